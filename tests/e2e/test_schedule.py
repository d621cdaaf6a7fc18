"""/schedule and the planned steps: review, edits, manual meetings, archiving, no coordinator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from sandbox.emulator import UserHandle
from storage.models import DueTask, Meeting, Poll, PollOption, PollStatus, TaskKind
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented, member_of


async def _coordinator(world: World) -> tuple[UserHandle, UserHandle]:
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7001, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    return admin, hana


async def _open_tasks(world: World) -> list[DueTask]:
    async with world.sessionmaker() as session:
        return list(
            (
                await session.exec(
                    select(DueTask)
                    .where(col(DueTask.done_at).is_(None), col(DueTask.cancelled).is_(False))
                    .order_by(col(DueTask.due_at))
                )
            ).all()
        )


async def test_schedule_shows_sets_and_refuses(world: World) -> None:
    """A coordinator sets the rhythm; bad values get replies that say what would work."""
    _, hana = await _coordinator(world)
    shown = await world.send(hana, "/schedule")
    assert "No rhythm set. For example: /schedule bildung meetings=3" in shown.text
    saved = await world.send(
        hana,
        '/schedule bildung meetings=3 weekdays=Di,Do time=16:00-19:00 place="Rathaus, Raum 3"',
    )
    assert saved.text.startswith("Saved.")
    assert "3 meetings a year · Tue, Thu 4:00\u202fPM–7:00\u202fPM" in saved.text
    assert "📍 Rathaus, Raum 3" in saved.text
    assert "Review of the next poll on" in saved.text and "Next poll opens on" in saved.text
    kinds = [t.kind for t in await _open_tasks(world)]
    assert kinds == [TaskKind.CADENCE_REVIEW, TaskKind.CADENCE_OPEN]

    bad = {
        "/schedule bildung meetings=13": "Meetings per year must be between 1 and 12.",
        "/schedule bildung time=19:00-16:00": "end",
        "/schedule bildung weekdays=Blursday": 'I do not know the weekday "blursday"',
        "/schedule bildung colour=red": "I do not know “colour=red”.",
        "/schedule bildung weekdays=Mo dates=12 time=16:00-17:00 duration=60": "fit",
    }
    for command, fragment in bad.items():
        reply = await world.send(hana, command)
        assert fragment in reply.text, (command, reply.text)
    member = await consented(world, 7100, "Mo")
    assert (await world.send(member, "/schedule bildung meetings=2")).text == (
        "Only the coordinators of Bildung and the organisers can do that."
    )
    assert "3 meetings a year" in (await world.send(hana, "/schedule")).text  # unchanged


async def test_review_edits_are_respected(world: World) -> None:
    """The coordinator replaces the suggested dates during the review; those go out."""
    _, hana = await _coordinator(world)
    member = await consented(world, 7101, "Mia")
    await member_of(world, member, "bildung")
    await world.send(hana, "/schedule bildung meetings=3 weekdays=Tue,Thu")
    review, opening = await _open_tasks(world)
    await world.tick(review.due_at - world.clock.now())
    prompt = next(m for m in hana.bot_messages if m.text.startswith("It is time to plan"))
    assert "✏️ Change dates" in prompt.button_labels
    await world.press(hana, "✏️ Change dates", message=prompt)
    preview = await world.send(hana, "13.01.2027 17:00\n20.01.2027 17:00")
    assert "Wednesday, January 13, 2027" in preview.text
    assert all("when shall we meet?" not in m.text for m in member.bot_messages)
    await world.tick(opening.due_at - world.clock.now())
    poll_message = next(m for m in member.bot_messages if "when shall we meet?" in m.text)
    assert "1. Wednesday, January 13, 2027, 5:00\u202fPM" in poll_message.text
    assert "2. Wednesday, January 20, 2027" in poll_message.text
    async with world.sessionmaker() as session:
        polls = (await session.exec(select(Poll))).all()
        options = (await session.exec(select(PollOption))).all()
    assert [(p.status, p.planned) for p in polls] == [(PollStatus.OPEN, True)]
    assert len(options) == 2


async def test_manual_meeting_shifts_the_plan(world: World) -> None:
    """A meeting fixed by hand moves the next planned poll instead of adding one."""
    _, hana = await _coordinator(world)
    await world.send(hana, "/schedule bildung meetings=3 review=no")
    (opening,) = await _open_tasks(world)
    member = await consented(world, 7102, "Max")
    await member_of(world, member, "bildung")
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "10.03.2027 17:00")
    send = next(label for label in preview.button_labels if label.startswith("✅ Send"))
    await world.press(hana, send)
    assert await _open_tasks(world) == [] or all(
        t.kind == TaskKind.POLL_CLOSE or t.kind == TaskKind.POLL_REMINDER
        for t in await _open_tasks(world)
    )  # while a poll runs, the cadence waits
    poll_message = next(m for m in member.bot_messages if "when shall we meet?" in m.text)
    await member.press(poll_message.buttons[0][1][1] or "", message=poll_message)
    await world.tick(timedelta(days=11))
    async with world.sessionmaker() as session:
        meeting = (await session.exec(select(Meeting))).one()
    assert meeting.starts_at == datetime(2027, 3, 10, 16, 0, tzinfo=UTC)
    (shifted,) = [t for t in await _open_tasks(world) if t.kind == TaskKind.CADENCE_OPEN]
    assert shifted.due_at > opening.due_at + timedelta(days=60)
    # The next target period starts about four months after the manual meeting.
    assert (
        meeting.starts_at + timedelta(days=60)
        < shifted.due_at
        < meeting.starts_at + timedelta(days=90)
    )


async def test_archiving_cancels_and_no_coordinator_alerts(world: World) -> None:
    """Archiving drops the plan; a group without coordinator alerts the organisers instead."""
    admin = await consented(world, ADMIN_ID, "Olga")
    member = await consented(world, 7103, "Nia")
    await member_of(world, member, "kultur")
    await member_of(world, member, "bildung")
    await world.send(admin, "/schedule kultur meetings=2 weekdays=Mo-Fr")
    await world.send(admin, "/schedule bildung meetings=2 weekdays=Mo-Fr")
    review = (await _open_tasks(world))[0]
    await world.tick(review.due_at - world.clock.now())
    alerts = [m.text for m in admin.bot_messages if m.text.startswith("⚠️")]
    assert any("Kultur has no coordinator" in text for text in alerts)
    await world.send(admin, "/archivegroup kultur")
    await world.press(admin, "🗄 Archive")
    async with world.sessionmaker() as session:
        kultur_tasks = (
            await session.exec(
                select(DueTask).where(
                    col(DueTask.kind).in_([TaskKind.CADENCE_OPEN, TaskKind.CADENCE_REVIEW]),
                    col(DueTask.done_at).is_(None),
                    col(DueTask.cancelled).is_(False),
                )
            )
        ).all()
    assert len(kultur_tasks) == 1  # only Bildung's opening is left
    await world.tick(timedelta(days=30))
    invitations = [m for m in member.bot_messages if "when shall we meet?" in m.text]
    assert [m.text.split(":")[0] for m in invitations] == ["🗓 Bildung"]


async def test_group_nobody_joined_gets_no_poll_and_no_alarm(world: World) -> None:
    """A planned step for a group without members waits a week, quietly, and then runs."""
    admin = await consented(world, ADMIN_ID, "Olga")
    await world.send(admin, "/schedule wohnen meetings=2 review=no")
    (opening,) = await _open_tasks(world)
    await world.tick(opening.due_at - world.clock.now())
    assert not [m for m in admin.bot_messages if m.text.startswith("⚠️")]
    (later,) = await _open_tasks(world)
    assert later.kind == TaskKind.CADENCE_OPEN
    assert later.due_at == world.clock.now() + timedelta(days=7)
    member = await consented(world, 7104, "Wim")
    await member_of(world, member, "wohnen")
    await world.tick(timedelta(days=7))
    assert [
        m.text.split(":")[0] for m in member.bot_messages if "when shall we meet?" in m.text
    ] == ["🗓 Wohnen und Stadtentwicklung"]
