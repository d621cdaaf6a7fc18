"""Suggested dates end to end: the coordinator presses "Suggest dates", names a period, and
the preview leaves out the days on which members of the group already meet in another group,
and the days another group of theirs is voting on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from domain.suggest import suggest_dates
from handlers.polls.draft_text import SUGGEST_COUNT, SUGGEST_WEEKDAYS, SUGGEST_WINDOW
from sandbox.emulator import UserHandle
from storage import meetings as meeting_repo
from storage.models import PollOption
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented, group_id, member_of

FEBRUARY = (date(2027, 2, 1), date(2027, 2, 28))


def _suggested(world: World, busy: set[date]) -> list[date]:
    """What the rules pick for February, with ``busy`` days left out."""
    tz = world.app.bot_data.timezone
    candidates = suggest_dates(
        first_day=FEBRUARY[0], last_day=FEBRUARY[1], weekdays=SUGGEST_WEEKDAYS,
        window=SUGGEST_WINDOW, count=SUGGEST_COUNT, now=world.clock.now(), tz=tz,
        busy_days=busy, lang="en",
    )  # fmt: skip
    return [c.begins.astimezone(tz).date() for c in candidates]


def _shown(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}, 2027, 5:00\u202fPM"


async def _suggest_for_bildung(world: World, hana: UserHandle) -> str:
    await world.send(hana, "/poll")
    ask = await world.press(hana, "Bildung")
    prompt = await world.press(hana, "💡 Suggest dates", message=ask)
    assert prompt.text.startswith("In which period should I look?")
    preview = await world.send(hana, "01.02.2027 - 28.02.2027")
    assert preview.text.startswith("Preview: this is what the members will get.")
    return preview.text


async def test_suggestions_skip_other_groups_meetings_and_polls(world: World) -> None:
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 4001, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    await world.send(admin, "/addcoordinator kultur @hana")
    both = await consented(world, 4100, "Ben")
    await member_of(world, both, "bildung", "kultur")
    only_kultur = await consented(world, 4101, "Kim")
    await member_of(world, only_kultur, "kultur")

    free = _suggested(world, set())
    met, polled = free[1], free[3]
    # Kultur, which Ben also belongs to, meets on one of those days ...
    tz = world.app.bot_data.timezone
    async with world.sessionmaker.begin() as session:
        await meeting_repo.create_meeting(
            session, group_id=await group_id(world, "kultur"),
            starts_at=_at(met, 18, tz), ends_at=None, all_day=False, location=None,
            note=None, now=world.clock.now(),
        )  # fmt: skip
    # ... and is voting on another (a date it dropped from its poll does not count).
    await world.send(hana, "/poll")
    await world.press(hana, "Kultur")
    await world.send(hana, f"{polled:%d.%m.%Y} 17:00\n{free[4]:%d.%m.%Y} 17:00")
    await world.press(hana, "✅ Send to 3 members")  # Hana, Ben and Kim
    assert any(m.text.startswith("The poll is open: 3 members received it.") for m in hana.chat)
    async with world.sessionmaker.begin() as session:
        dropped = (
            await session.exec(
                select(PollOption).where(col(PollOption.starts_at) == _at(free[4], 17, tz))
            )
        ).one()
        dropped.removed = True
        session.add(dropped)

    text = await _suggest_for_bildung(world, hana)
    expected = _suggested(world, {met, polled})
    assert met not in expected and polled not in expected and free[4] in expected
    for day in expected:
        assert _shown(day) in text, (day, text)
    for day in (met, polled):
        assert _shown(day) not in text


async def test_groups_without_shared_members_do_not_block(world: World) -> None:
    """Kultur's meeting blocks nothing for Bildung when nobody belongs to both."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 4001, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    await member_of(world, await consented(world, 4100, "Ben"), "bildung")
    await member_of(world, await consented(world, 4101, "Kim"), "kultur")
    free = _suggested(world, set())
    tz = world.app.bot_data.timezone
    async with world.sessionmaker.begin() as session:
        await meeting_repo.create_meeting(
            session, group_id=await group_id(world, "kultur"),
            starts_at=_at(free[1], 18, tz), ends_at=None, all_day=False, location=None,
            note=None, now=world.clock.now(),
        )  # fmt: skip
    text = await _suggest_for_bildung(world, hana)
    assert all(_shown(day) in text for day in free)


def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tz).astimezone(UTC)
