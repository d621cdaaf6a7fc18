"""/settings: a group's quorum, confirmation and reminder hours, shown, changed and used."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from storage.models import DueTask, Group, Poll, TaskKind
from tests.e2e.harness import World
from tests.e2e.helpers import consented, member_of
from tests.e2e.test_polls import _open_poll, _poll_message, _setup


async def _bildung(world: World) -> Group:
    async with world.sessionmaker() as session:
        return (await session.exec(select(Group).where(Group.slug == "bildung"))).one()


async def _reminders(world: World) -> list[float]:
    """Hours before the deadline of the open reminder tasks of the newest poll."""
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
        assert poll is not None and poll.deadline is not None
        rows = await session.exec(
            select(DueTask).where(
                DueTask.kind == TaskKind.POLL_REMINDER,
                DueTask.ref_id == poll.id,
                col(DueTask.cancelled).is_(False),
            )
        )
        return sorted((poll.deadline - t.due_at) / timedelta(hours=1) for t in rows.all())


async def test_coordinator_sees_and_changes_the_settings(world: World) -> None:
    hana, (a,) = await _setup(world, members=1)
    shown = await world.send(hana, "/settings")
    assert shown.text.splitlines() == [
        "Date poll settings",
        "",
        "Date polls of Bildung",
        "Quorum: none; the date with the most Yes wins.",
        "Confirmation: the winning date is fixed at once.",
        "Reminders: 48 h, 6 h before the deadline.",
        "Change: /settings bildung quorum=3 confirm=yes reminders=48,6",
    ]
    await _open_poll(world, hana, "12.01.2027 17:00\n14.01.2027 17:00")
    # The deadline is at 18:00 on the tenth day: both reminders fall in the daytime.
    assert await _reminders(world) == [6.0, 48.0]

    saved = await world.send(hana, "/settings bildung quorum=2 confirm=yes reminders=24h")
    assert saved.text.splitlines()[0] == "Saved."
    assert "Quorum: the winning date needs at least 2 Yes." in saved.text
    assert "Confirmation: a coordinator confirms the date before it is fixed." in saved.text
    assert "Reminders: 24 h before the deadline." in saved.text
    group = await _bildung(world)
    assert (group.poll_quorum, group.confirm_dates, group.poll_reminder_hours) == (2, True, [24])
    assert await _reminders(world) == [24.0]  # the open poll's reminders follow at once

    # One Yes is below the quorum of two: the coordinator chooses.
    await a.press("pv:y:1", message=_poll_message(a))
    await world.tick(timedelta(days=11))
    assert any("No date is clear enough to fix it by itself" in m.text for m in hana.bot_messages)


async def test_german_keys_and_switching_reminders_off(world: World) -> None:
    hana, _ = await _setup(world, members=1)
    saved = await world.send(hana, "/settings bildung bestätigen=ja erinnerungen=nein")
    assert "Reminders: none." in saved.text
    group = await _bildung(world)
    assert (group.confirm_dates, group.poll_reminder_hours) == (True, [])


async def test_bad_settings_are_refused_and_nothing_changes(world: World) -> None:
    hana, (a,) = await _setup(world, members=1)
    cases = {
        "/settings bildung quorum=many": "quorum needs a whole number, for example quorum=3.",
        "/settings bildung confirm=maybe": "confirm takes yes or no, for example confirm=yes.",
        "/settings bildung colour=blue": (
            "I do not know “colour=blue”. Write key=value with these keys: quorum, confirm, "
            "reminders."
        ),
        "/settings bildung quorum=2 reminders=48,500": (
            "Reminders take up to 5 hour counts before the deadline, each between 1 and 336, "
            "for example reminders=48,6; or reminders=no."
        ),
        "/settings nowhere quorum=1": "There is no group called “nowhere”. /groups lists them.",
    }
    for command, refusal in cases.items():
        assert (await world.send(hana, command)).text == refusal
    refused = await world.send(a, "/settings bildung quorum=1")
    assert "coordinators" in refused.text
    stranger = await consented(world, 4900, "Zoe")
    await member_of(world, stranger, "kultur")
    assert (await world.send(stranger, "/settings")).text == (
        "Only coordinators and organisers can change poll settings."
    )
    group = await _bildung(world)
    assert (group.poll_quorum, group.confirm_dates, group.poll_reminder_hours) == (
        0,
        False,
        [48, 6],
    )
