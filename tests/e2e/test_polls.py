"""Date polls end to end: compose, vote, remind, close at the deadline, the meeting and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
from sqlmodel import select

from sandbox.emulator import UserHandle
from storage.models import Attendance, Meeting, Member, Poll, PollOption, PollStatus, Vote
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented, member_of


async def _setup(world: World, members: int = 3) -> tuple[UserHandle, list[UserHandle]]:
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 4001, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    people = [await consented(world, 4100 + i, f"M{i}") for i in range(members)]
    for person in people:
        await member_of(world, person, "bildung")
    return hana, people


async def _open_poll(world: World, hana: UserHandle, dates: str) -> None:
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, dates)
    assert preview.text.startswith("Preview: this is what the members will get.")
    send = next(label for label in preview.button_labels if label.startswith("✅ Send"))
    await world.press(hana, send)


def _poll_message(user: UserHandle) -> object:
    return next(m for m in reversed(user.bot_messages) if "when shall we meet?" in m.text)


async def test_poll_lifecycle_to_meeting(world: World) -> None:
    """Create, vote, change a vote, remind, close at the deadline, meeting with .ics, attend."""
    hana, (a, b, c) = await _setup(world)
    # Tuesday 24 Nov 2026, 10:00 Berlin. Dates in January; deadline default: 10 days.
    await _open_poll(world, hana, "12.01.2027 17:00\n14.01.2027 17:00-19:00\n19.01.2027")
    assert any(m.text.startswith("The poll is open: 4 members received it.") for m in hana.chat)
    poll_msg = _poll_message(a)
    assert "Bildung: when shall we meet?" in poll_msg.text
    assert "1. Tuesday, January 12, 2027, 5:00\u202fPM–7:00\u202fPM" in poll_msg.text
    assert "3. Tuesday, January 19, 2027 · all day" in poll_msg.text
    assert "0 of 4 answered." in poll_msg.text
    assert [label for label in poll_msg.buttons[0]][1:] == [
        ("✅", "pv:y:1"),
        ("🤔", "pv:m:1"),
        ("❌", "pv:n:1"),
    ]

    await a.press("pv:y:2", message=poll_msg)
    await world.settle()
    assert a.callback_answers[-1].text == "Saved: ✅ for Thu 14 Jan 5:00\u202fPM"
    redrawn = next(m for m in a.bot_messages if m.message_id == poll_msg.message_id)
    assert redrawn.buttons[1][1][0] == "[✅]"
    assert "1 of 4 answered." in redrawn.text
    await a.press("pv:n:1", message=poll_msg)
    await b.press("pv:y:2", message=_poll_message(b))
    await b.press("pv:m:1", message=_poll_message(b))
    await b.press("pv:n:2", message=_poll_message(b))  # changed her mind
    await b.press("pv:y:2", message=_poll_message(b))  # and back
    await world.settle()
    async with world.sessionmaker() as session:
        votes = (await session.exec(select(Vote))).all()
    # Every member's copy follows the tally (redrawn together, throttled per chat).
    copy_of_c = next(m for m in c.bot_messages if m.message_id == _poll_message(c).message_id)
    assert "2 of 4 answered." in copy_of_c.text
    assert "    ✅ 2 · 🤔 0 · ❌ 0" in copy_of_c.text
    assert sorted((v.member_id, v.option_id, v.answer) for v in votes) == [
        (3, 1, "no"),
        (3, 2, "yes"),
        (4, 1, "maybe"),
        (4, 2, "yes"),
    ]

    # Reminders 48 h and 6 h before the deadline go only to those who have not answered.
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll))).one()
    assert poll.deadline == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Herne
    await world.tick(poll.deadline - timedelta(hours=47) - world.clock.now())
    reminded = [m for m in c.chat if m.text.startswith("⏰ Reminder: please answer")]
    assert len(reminded) == 1
    assert all(not m.text.startswith("⏰") for m in a.chat)
    assert sum(m.text.startswith("⏰") for m in hana.chat) == 1  # the coordinator did not vote

    # A vote after the deadline is refused; the sweep closes the poll once.
    await world.tick(poll.deadline + timedelta(minutes=1) - world.clock.now())
    await world.tick(timedelta(minutes=5))  # a second sweep changes nothing
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll))).one()
        meetings = (await session.exec(select(Meeting))).all()
        options = (await session.exec(select(PollOption).order_by(PollOption.id))).all()  # type: ignore[arg-type]
    assert poll.status == PollStatus.CLOSED
    assert len(meetings) == 1
    assert meetings[0].starts_at == datetime(2027, 1, 14, 16, 0, tzinfo=UTC)
    assert [(o.yes_count, o.maybe_count, o.no_count) for o in options] == [
        (0, 1, 1),
        (2, 0, 0),
        (0, 0, 0),
    ]
    closed_copy = _poll_message(a)
    assert "🔒 The poll is closed." in closed_copy.text
    assert closed_copy.buttons == []
    await c.press_data(_poll_message(c).message_id, "pv:y:1")  # a stale button, pressed late
    await world.settle()
    assert c.callback_answers[-1].text.startswith("This poll closed on Friday, December 4, 2026")

    for user in (a, b, c, hana):
        notices = [m for m in user.chat if m.document is not None]
        assert len(notices) == 1, user.chat
        notice = notices[0]
        assert notice.caption is not None
        assert "Bildung: the meeting is fixed." in notice.caption
        assert "Thursday, January 14, 2027, 5:00\u202fPM–7:00\u202fPM" in notice.caption
        assert notice.document.file_name == "bildung-2027-01-14.ics"
        cal = icalendar.Calendar.from_ical(notice.document.content)
        event = cal.walk("VEVENT")[0]
        assert event["SUMMARY"] == "Meeting: Bildung"
        assert event.decoded("DTSTART") == datetime(
            2027, 1, 14, 17, 0, tzinfo=event.decoded("DTSTART").tzinfo
        )
        assert str(event.decoded("DTSTART").tzinfo) in ("Europe/Berlin", "Europe/Berlin")
        assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
        assert int(event["SEQUENCE"]) == 0

    await world.press(a, "👍 I'll come")
    assert a.callback_answers[-1].text == "See you there!"
    await world.press(b, "👎 I can't")
    async with world.sessionmaker() as session:
        answers = (await session.exec(select(Attendance))).all()
    assert sorted((x.member_id, x.coming) for x in answers) == [(3, True), (4, False)]
    listing = await world.send(hana, "/meetings")
    assert "👍 1 coming · 👎 1 not coming" in listing.text

    # Meeting reminders: 7 days and 1 day before at 10:00 Berlin; not to who can't come.
    await world.tick(datetime(2027, 1, 7, 9, 1, tzinfo=UTC) - world.clock.now())
    assert sum("Reminder: Bildung meets" in m.text for m in a.chat) == 1
    assert sum("Reminder: Bildung meets" in m.text for m in b.chat) == 0
    await world.tick(datetime(2027, 1, 13, 9, 1, tzinfo=UTC) - world.clock.now())
    assert sum("Reminder: Bildung meets" in m.text for m in a.chat) == 2


async def test_tie_goes_to_the_coordinator(world: World) -> None:
    """Equal Yes and Yes+Maybe on two dates: the coordinator picks with a button."""
    hana, (a, b) = await _setup(world, members=2)
    await _open_poll(world, hana, "12.01.2027 17:00\n14.01.2027 17:00")
    await a.press("pv:y:1", message=_poll_message(a))
    await b.press("pv:y:2", message=_poll_message(b))
    await world.settle()
    await world.tick(timedelta(days=11))
    prompt = hana.last
    assert "No date is clear enough" in prompt.text
    assert prompt.button_labels == ["Tue 12 Jan 5:00\u202fPM", "Thu 14 Jan 5:00\u202fPM"]
    # A member cannot choose (forged button).
    await a.press_data(a.last.message_id, "pw:2")
    await world.settle()
    assert (
        a.callback_answers[-1].text
        == "Only the coordinators of Bildung and the organisers can do that."
    )
    await world.press(hana, "Thu 14 Jan 5:00\u202fPM")
    done = next(m for m in hana.bot_messages if m.message_id == prompt.message_id)
    assert done.text.startswith("Fixed: Thursday, January 14, 2027")
    assert any(m.document is not None for m in a.chat)
    await hana.press_data(prompt.message_id, "pw:1")  # pressed twice: already fixed
    await world.settle()
    assert hana.callback_answers[-1].text == "The date of this poll is already fixed."
    async with world.sessionmaker() as session:
        assert len((await session.exec(select(Meeting))).all()) == 1


async def test_moved_and_cancelled_meeting(world: World) -> None:
    """Moving sends an updated .ics (SEQUENCE 1); cancelling sends METHOD:CANCEL."""
    hana, (a,) = await _setup(world, members=1)
    await _open_poll(world, hana, "12.01.2027 17:00")
    await a.press("pv:y:1", message=_poll_message(a))
    await world.settle()
    await world.tick(timedelta(days=11))
    listing = await world.send(hana, "/meetings")
    assert "Tuesday, January 12, 2027" in listing.text
    await world.press(hana, "🗓 Move")
    moved = await world.send(hana, "19.01.2027 18:00")
    assert moved.text.startswith("The meeting moved to Tuesday, January 19, 2027, 6:00\u202fPM")
    files = [m for m in a.chat if m.document is not None]
    assert len(files) == 2
    assert "the meeting has moved" in (files[-1].caption or "")
    event = icalendar.Calendar.from_ical(files[-1].document.content).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1
    first_uid = icalendar.Calendar.from_ical(files[0].document.content).walk("VEVENT")[0]["UID"]
    assert event["UID"] == first_uid

    await world.send(hana, "/meetings")
    await world.press(hana, "✖️ Cancel meeting")
    await world.press(hana, "✖️ Yes, cancel it")
    cancel = [m for m in a.chat if m.document is not None][-1]
    assert "is cancelled" in (cancel.caption or "")
    cal = icalendar.Calendar.from_ical(cancel.document.content)
    assert cal["METHOD"] == "CANCEL"
    assert cal.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert (
        await world.send(a, "/meetings")
    ).text == "No meetings are planned for your groups yet."


async def test_bad_input_and_refusals(world: World) -> None:
    """Unreadable, past, duplicate and too many dates; members cannot start polls."""
    hana, (a,) = await _setup(world, members=1)
    refused = await world.send(a, "/poll")
    assert refused.text == "Only coordinators and organisers can start date polls."
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    bad = await world.send(hana, "12.01.2027 17:00\nirgendwann")
    assert bad.text.startswith("Line 2:")
    past = await world.send(hana, "01.01.2020 17:00")
    assert "past" in past.text
    dup = await world.send(hana, "12.01.2027 17:00\n12.01.2027 17:00")
    assert "Line 2" in dup.text
    many = await world.send(hana, "\n".join(f"{d:02d}.02.2027 17:00" for d in range(1, 14)))
    assert "12" in many.text
    async with world.sessionmaker() as session:
        assert (await session.exec(select(PollOption))).all() == []


async def test_new_member_gets_open_poll_and_leaver_drops_out(world: World) -> None:
    """Joining during an open poll brings the poll; leaving takes one's votes out of the tally."""
    hana, (a,) = await _setup(world, members=1)
    await _open_poll(world, hana, "12.01.2027 17:00")
    await a.press("pv:y:1", message=_poll_message(a))
    await world.settle()
    late = await consented(world, 4200, "Late")
    await member_of(world, late, "bildung")
    assert "1 of 3 answered." in _poll_message(late).text
    await world.send(a, "/leave bildung")
    status = await world.send(hana, "/polls")
    assert "0 of 2 answered." in status.text
    assert "✅ 0" in status.text


async def test_coordinator_manages_an_open_poll(world: World) -> None:
    """Add and remove a date (voters are told), extend the deadline, remind, close early."""
    hana, (a, b) = await _setup(world, members=2)
    await _open_poll(world, hana, "12.01.2027 17:00\n14.01.2027 17:00")
    await a.press("pv:y:2", message=_poll_message(a))
    await world.settle()
    status = await world.send(hana, "/polls")
    assert "Closes on Friday, December 4, 2026" in status.text
    await world.press(hana, "➕ Add date", message=status)
    added = await world.send(hana, "19.01.2027 17:00")
    assert added.text == "Added 1 date; the members got the updated poll."
    assert "3. Tuesday, January 19, 2027" in _poll_message(b).text

    await world.press(hana, "➖ Remove date", message=status)
    await world.press(hana, "➖ Thu 14 Jan 5:00\u202fPM")
    told = [m.text for m in a.bot_messages if "was removed from the poll" in m.text]
    assert told == [
        "➖ The date Thursday, January 14, 2027, 5:00\u202fPM–7:00\u202fPM was removed from the "
        "poll of Bildung. Your other answers stay."
    ]
    assert not any("was removed" in m.text for m in b.bot_messages)  # b had not voted for it

    await world.press(hana, "⏳ Extend", message=status)
    too_late = await world.send(hana, "20.01.2027 18:00")
    assert (
        too_late.text == "The poll must close before the first date. Choose an earlier deadline."
    )
    await world.press(hana, "⏳ Extend", message=status)
    extended = await world.send(hana, "10.12.2026 18:00")
    assert extended.text == "The poll now closes on Thursday, December 10, 2026, 6:00\u202fPM."

    reminded = await world.send(hana, "/remind bildung")
    assert reminded.text == "Reminded 2 members."  # b and the coordinator have not answered
    reminder = next(m for m in b.bot_messages if m.text.startswith("⏰ Reminder: please answer"))
    await b.press("pv:y:1", message=reminder)  # one tap on the reminder itself
    await world.settle()

    await world.press(hana, "🔒 Close now", message=status)
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll))).one()
        meeting = (await session.exec(select(Meeting))).one()
    assert poll.status == PollStatus.CLOSED
    assert meeting.starts_at == datetime(2027, 1, 12, 16, 0, tzinfo=UTC)  # b's yes
    # The old deadline passes: nothing closes twice.
    await world.tick(timedelta(days=20))
    async with world.sessionmaker() as session:
        assert len((await session.exec(select(Meeting))).all()) == 1


async def test_cancelled_poll_tells_members(world: World) -> None:
    """Cancelling a poll tells everyone and its buttons stop working."""
    hana, (a,) = await _setup(world, members=1)
    await _open_poll(world, hana, "12.01.2027 17:00")
    status = await world.send(hana, "/polls")
    await world.press(hana, "✖️ Cancel poll", message=status)
    assert any("The date poll of Bildung was cancelled." in m.text for m in a.bot_messages)
    await a.press_data(_poll_message(a).message_id, "pv:y:1")
    await world.settle()
    assert a.callback_answers[-1].text == "This poll was cancelled."


async def test_restart_just_before_the_deadline_closes_once(world: World) -> None:
    """A bot down at the deadline closes the poll right after it starts, exactly once."""
    from tests.e2e.harness import restart

    hana, (a,) = await _setup(world, members=1)
    await _open_poll(world, hana, "12.01.2027 17:00")
    await a.press("pv:y:1", message=_poll_message(a))
    await world.settle()
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll))).one()
    assert poll.deadline is not None
    await world.tick(poll.deadline - timedelta(minutes=1) - world.clock.now())
    world.clock.advance(timedelta(hours=3))  # the bot is down across the deadline
    await restart(world)
    await world.tick()
    await world.tick(timedelta(minutes=1))
    async with world.sessionmaker() as session:
        assert len((await session.exec(select(Meeting))).all()) == 1
    assert len([m for m in a.chat if m.document is not None]) == 1


async def test_group_chat_tally_is_kept_current(world: World) -> None:
    """The linked chat gets one compact tally that follows the votes and shows the close."""
    hana, (a, b) = await _setup(world, members=2)
    chat = world.emu.group_chat(-700, "AG Bildung", admins=[hana.id], members=[a.id, b.id])
    await world.send_in(hana, chat.chat_id, "/link bildung")
    await _open_poll(world, hana, "12.01.2027 17:00\n14.01.2027 17:00")
    # Group chats are written in the organisation's default language (German here).
    tallies = [m for m in chat.messages if m.from_bot and "Terminumfrage" in m.text]
    assert len(tallies) == 1
    await a.press("pv:y:1", message=_poll_message(a))
    await b.press("pv:m:1", message=_poll_message(b))
    await world.settle()
    tally = next(m for m in chat.messages if m.message_id == tallies[0].message_id)
    assert "Di 12.1. 17:00: ✅ 1 · 🤔 1 · ❌ 0" in tally.text
    assert "2 von 3 haben geantwortet." in tally.text
    assert tally.edited <= 2
    await world.tick(timedelta(days=11))
    tally = next(m for m in chat.messages if m.message_id == tallies[0].message_id)
    assert "Die Umfrage ist beendet." in tally.text


async def test_votes_pressed_together_are_written_together(world: World) -> None:
    """Twelve members press three buttons each, all at once: every press is answered with
    what was saved, each member's copy marks their own answers, the database holds the last
    press of each, and the presses were written in fewer transactions than there were
    presses (the ballot box's group commit). A member whose Telegram name changed meanwhile
    is counted too, and the new name is stored."""
    hana, people = await _setup(world, members=12)
    await _open_poll(world, hana, "12.01.2027 17:00\n14.01.2027 17:00")
    people[0].user.first_name = "Renamed"
    plan = {
        p.id: [("y", 1), ("n", 2), ("m", 1)] if i % 2 else [("n", 1), ("y", 2)]
        for i, p in enumerate(people)
    }
    messages = {p.id: _poll_message(p) for p in people}
    box = world.app.bot_data.ballots
    before = box.batches
    earlier = {p.id: len(p.callback_answers) for p in people}
    for step in range(3):
        for person in people:
            if step < len(plan[person.id]):
                code, option = plan[person.id][step]
                await person.press(f"pv:{code}:{option}", message=messages[person.id])
    await world.settle()
    presses = sum(len(p) for p in plan.values())
    assert box.batches - before < presses
    answers = {"y": "yes", "m": "maybe", "n": "no"}
    async with world.sessionmaker() as session:
        votes = (await session.exec(select(Vote))).all()
        renamed = (
            await session.exec(select(Member).where(Member.telegram_id == people[0].id))
        ).one()
    assert renamed.first_name == "Renamed"
    member_of_tid = {p.id: p for p in people}
    stored = {(v.member_id, v.option_id): v.answer for v in votes}
    async with world.sessionmaker() as session:
        ids = {m.telegram_id: m.id for m in (await session.exec(select(Member))).all()}
    for tid, person in member_of_tid.items():
        last = {}
        for code, option in plan[tid]:
            last[option] = answers[code]
        assert {o: stored[(ids[tid], o)] for o in last} == last
        replies = person.callback_answers[earlier[tid] :]
        assert len(replies) == len(plan[tid])
        assert all((a.text or "").startswith("Saved: ") for a in replies)
        copy = next(m for m in person.chat if m.message_id == messages[tid].message_id)
        marks = [label for label in copy.button_labels if label.startswith("[")]
        assert len(marks) == len(last)


async def test_remind_asks_which_poll_when_several_are_open(world: World) -> None:
    """A coordinator of two groups with an open poll each writes /remind: one button per poll,
    named by group and closing date; pressing one reminds only that group's silent members."""
    hana, (a,) = await _setup(world, members=1)
    admin = world.emu.get_user(ADMIN_ID)
    await world.send(admin, "/addcoordinator kultur @hana")
    c = await consented(world, 4200, "Cem")
    await member_of(world, c, "kultur")
    await _open_poll(world, hana, "12.01.2027 17:00\n14.01.2027 17:00")
    await world.send(hana, "/poll")
    await world.press(hana, "Kultur")
    preview = await world.send(hana, "13.01.2027 18:00\n15.01.2027 18:00")
    await world.press(hana, next(x for x in preview.button_labels if x.startswith("✅ Send")))

    choice = await world.send(hana, "/remind")
    assert choice.text == "Several polls are open. Which one shall I remind about?"
    assert sorted(choice.button_labels) == [
        "⏰ Bildung, closes Fri, Dec 4, 6:00\u202fPM",
        "⏰ Kultur, closes Fri, Dec 4, 6:00\u202fPM",
    ]
    before = len(hana.bot_messages)
    await world.press(hana, "⏰ Kultur, closes Fri, Dec 4, 6:00\u202fPM", message=choice)
    replies = [m.text.splitlines()[0] for m in hana.bot_messages[before:]]
    # Cem and the coordinator herself had not answered; she gets the reminder too.
    assert sorted(replies) == ["Reminded 2 members.", "⏰ Reminder: please answer the date poll."]
    assert any(m.text.startswith("⏰ Reminder: please answer") for m in c.bot_messages)
    assert not any(m.text.startswith("⏰ Reminder: please answer") for m in a.bot_messages)
