"""Meeting cadence end to end: a whole year of the conference's six groups, planned by the bot."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import delete
from sqlmodel import SQLModel, col, select

from bot.config import InitialGroup
from domain.cadence import Rhythm
from domain.clock import FakeClock
from handlers.meetings.rhythm import plan_all
from sandbox.emulator import UserHandle
from storage import outbox, tasks
from storage.db import SessionMaker
from storage.meetings import create_meeting
from storage.models import Group, Meeting, MeetingStatus, Poll, PollStatus
from tests.e2e.harness import ADMIN_ID, GROUPS, World, restart, running_bot
from tests.e2e.helpers import consented, member_of

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 1 January 2027, 00:00 in Herne
END = datetime(2027, 12, 31, 23, 0, tzinfo=UTC)
CONFERENCE = datetime(2026, 11, 12, 16, 0, tzinfo=UTC)  # the groups last met at the conference
WEEKDAYS = [(1, 3), (0, 2), (1,), (3,), (2, 3), (0, 1, 2, 3)]
RHYTHMS = tuple(
    InitialGroup(g.slug, g.name, Rhythm(weekdays=days, window_start=time(16), window_end=time(19)))
    for g, days in zip(GROUPS, WEEKDAYS, strict=True)
)
NRW = holidays.country_holidays("DE", subdiv="NW", categories=("public", "school"), years=(2027,))


async def _next_event(world: World) -> datetime | None:
    async with world.sessionmaker() as session:
        times = [await tasks.next_due(session), await outbox.next_due(session)]
    return min((t for t in times if t is not None), default=None)


async def _vote_on_new_polls(
    world: World, users: list[UserHandle], seen: set[tuple[int, int]]
) -> None:
    """Every member answers each new poll: yes to the middle date."""
    for user in users:
        for message in user.bot_messages:
            if "when shall we meet?" not in message.text or (user.id, message.message_id) in seen:
                continue
            if message.text.startswith(("Preview", "It is time to plan")):
                continue
            seen.add((user.id, message.message_id))
            row = message.buttons[len(message.buttons) // 2]
            await user.press(row[1][1] or "", message=message)
    await world.settle()


async def _live_a_year(world: World, *, restarts: int = 0, seed: int = 7) -> list[UserHandle]:
    admin = await consented(world, ADMIN_ID, "Olga")
    coordinator = await consented(world, 6001, "Cora", username="cora")
    users = [coordinator]
    for index, group in enumerate(RHYTHMS):
        await world.send(admin, f"/addcoordinator {group.slug} @cora")
        for n in range(2):
            user = await consented(world, 6100 + 10 * index + n, f"M{index}{n}")
            await member_of(world, user, group.slug)
            users.append(user)
    await member_of(world, users[1], "kultur")  # in two groups: their meetings must not clash
    async with world.sessionmaker.begin() as session:
        for group in (await session.exec(select(Group))).all():
            await create_meeting(
                session,
                group_id=group.id or 0,
                starts_at=CONFERENCE,
                ends_at=None,
                all_day=False,
                location=None,
                note=None,
                now=CONFERENCE,
            )
    await plan_all(world.app.bot_data)
    rng = random.Random(seed)
    restart_at = sorted(rng.sample(range(3, 30), restarts))
    seen: set[tuple[int, int]] = set()
    step = 0
    while (due := await _next_event(world)) is not None and due <= END:
        await world.tick(max(due - world.clock.now(), timedelta(0)))
        await _vote_on_new_polls(world, users, seen)
        step += 1
        if restart_at and step == restart_at[0]:
            restart_at.pop(0)
            await restart(world)
    assert not restart_at, "the year ended before every planned restart"
    return users


async def _outcome(world: World) -> dict[str, list[datetime]]:
    async with world.sessionmaker() as session:
        rows = (
            await session.exec(
                select(Group.slug, Meeting.starts_at)
                .join(Meeting, col(Meeting.group_id) == col(Group.id))
                .where(
                    Meeting.status == MeetingStatus.SCHEDULED, col(Meeting.starts_at) > CONFERENCE
                )
                .order_by(col(Group.slug), col(Meeting.starts_at))
            )
        ).all()
    result: dict[str, list[datetime]] = defaultdict(list)
    for slug, start in rows:
        result[slug].append(start)
    return dict(result)


async def _wipe(sessionmaker: SessionMaker) -> None:
    async with sessionmaker.begin() as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await session.exec(delete(table))  # type: ignore[call-overload]


async def _year(
    database_url: str, sessionmaker: SessionMaker, restarts: int
) -> tuple[dict[str, list[datetime]], list[Poll], list[UserHandle], list[str]]:
    clock = FakeClock(START)
    async with running_bot(
        database_url=database_url, sessionmaker=sessionmaker, clock=clock, groups=RHYTHMS
    ) as world:
        users = await _live_a_year(world, restarts=restarts)
        outcome = await _outcome(world)
        async with world.sessionmaker() as session:
            polls = list((await session.exec(select(Poll).where(col(Poll.planned)))).all())
        assert world.spec_problems() == []
        alerts = [m.text for m in world.emu.get_user(ADMIN_ID).bot_messages if "⚠️" in m.text]
    return outcome, polls, users, alerts


async def test_a_year_of_six_groups(database_url: str, sessionmaker: SessionMaker) -> None:
    """Each group gets exactly three polls and three meetings in 2027, on its weekdays, never
    on a holiday, with every step at its local hour across both DST changes; restarts at
    random points of the year change nothing in the outcome."""
    outcome, polls, users, alerts = await _year(database_url, sessionmaker, restarts=0)
    assert alerts == []  # every step found its dates by itself
    assert sorted(outcome) == sorted(g.slug for g in RHYTHMS)
    for group, days in zip(RHYTHMS, WEEKDAYS, strict=True):
        meetings = outcome[group.slug]
        assert len(meetings) == 3, (group.slug, meetings)
        for start in meetings:
            local = start.astimezone(BERLIN)
            assert local.weekday() in days
            assert local.time() == time(16, 0)
            assert local.date() not in NRW, (group.slug, local, NRW.get(local.date()))
        gaps = [(b - a).days for a, b in itertools.pairwise(meetings)]
        assert all(100 <= gap <= 140 for gap in gaps), gaps
    assert len(polls) == 18
    assert all(p.status == PollStatus.CLOSED for p in polls)
    assert all(p.opened_at and p.opened_at.astimezone(BERLIN).time() == time(10) for p in polls)
    # Invitations and reminders reached members at 10:00 local time, winter and summer alike.
    member = users[1]
    invitations = [m for m in member.bot_messages if "when shall we meet?" in m.text]
    assert len(invitations) == 6
    assert {m.date.astimezone(BERLIN).time() for m in invitations} == {time(10)}
    assert {m.date.astimezone(BERLIN).utcoffset() for m in invitations} == {
        timedelta(hours=1),
        timedelta(hours=2),
    }
    reminders = [m for m in member.bot_messages if m.text.startswith("⏰ Reminder:")]
    assert len(reminders) == 12  # 7 days and 1 day before each of six meetings
    assert {m.date.astimezone(BERLIN).time() for m in reminders} == {time(10)}

    await _wipe(sessionmaker)
    again, again_polls, _, _ = await _year(database_url, sessionmaker, restarts=4)
    assert again == outcome
    assert sorted(p.opened_at for p in again_polls) == sorted(p.opened_at for p in polls)
