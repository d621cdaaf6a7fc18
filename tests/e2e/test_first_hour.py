"""The first hour with Gremium (issue 18, points 3 to 14): replies that tell the truth."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import icalendar
from sqlmodel import select

from bot.config import InitialGroup
from domain.cadence import Rhythm
from domain.clock import FakeClock
from domain.localtime import BERLIN
from sandbox.emulator import UserHandle
from storage.db import SessionMaker
from storage.models import (
    Attendance,
    Delivery,
    GroupRhythm,
    Meeting,
    MeetingStatus,
    Poll,
    PollOption,
    PollStatus,
)
from tests.e2e.harness import ADMIN_ID, GROUPS, World, running_bot
from tests.e2e.helpers import consented, member_of


async def test_schedule_with_only_a_group_shows_and_keeps(world: World) -> None:
    """`/schedule bildung` shows the rhythm and saves nothing; weekdays are read and shown in the
    member's language. Planted: the old path that saved a default rhythm for a bare group."""
    admin = await consented(world, ADMIN_ID, "Olga")
    jana = await consented(world, 7201, "Jana", language="de", username="jana")
    await world.send(admin, "/addcoordinator bildung @jana")
    shown = await world.send(jana, "/schedule bildung")
    assert shown.text.startswith("Rhythmus der Treffen")
    assert "/schedule bildung meetings=3 weekdays=Di,Do time=16:00-19:00" in shown.text
    assert "Gespeichert" not in shown.text
    async with world.sessionmaker() as session:
        assert (await session.exec(select(GroupRhythm))).all() == []
    saved = await world.send(jana, "/schedule bildung weekdays=dienstag,DO")
    assert saved.text.startswith("Gespeichert.")
    assert "Di, Do 16:00–19:00" in saved.text
    shown = await world.send(jana, "/schedule bildung")
    assert "Di, Do 16:00–19:00" in shown.text and "Gespeichert" not in shown.text
    async with world.sessionmaker() as session:
        (row,) = (await session.exec(select(GroupRhythm))).all()
    assert list(row.weekdays) == [1, 3]
    olga_view = await world.send(admin, "/schedule kultur")
    assert "weekdays=Tue,Thu" in olga_view.text
    await world.send(admin, "/schedule kultur weekdays=tuesday,thu")
    assert "Tue, Thu 4:00" in (await world.send(admin, "/schedule kultur")).text
    emre = await consented(world, 7240, "Emre", language="tr", username="emre")
    await world.send(admin, "/addcoordinator gesundheit @emre")
    assert "weekdays=Sal,Per" in (await world.send(emre, "/schedule gesundheit")).text
    await world.send(emre, "/schedule gesundheit weekdays=salı,PERŞEMBE")
    assert "Sal, Per 16:00" in (await world.send(emre, "/schedule gesundheit")).text


async def test_polls_in_private_does_not_send_to_the_private_chat(world: World) -> None:
    """/polls in the coordinator's private chat has no "Answer in your private chat" line.
    Planted: the group-chat wording in the coordinator's status."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7202, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "12.01.2027 17:00\n14.01.2027 17:00")
    await world.press(hana, next(x for x in preview.button_labels if x.startswith("✅ Send")))
    status = await world.send(hana, "/polls")
    assert "date poll" in status.text and "Closes on" in status.text
    assert "private chat" not in status.text


async def test_commands_for_another_bot_are_ignored(world: World) -> None:
    """/mygroups@OtherBot gets no answer in a group chat, and in a private chat the answer says
    whom it was for (not "I do not know the command"); addressed to this bot it works, in both.
    Planted: the unknown-command reply for commands addressed to other bots."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7203, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    chat = world.emu.group_chat(-710, "AG Bildung", admins=[hana.id])
    await world.send_in(hana, chat.chat_id, "/link bildung")
    before = len(chat.messages)
    await hana.send("/mygroups@OtherBot", chat=chat.chat_id)
    await world.settle()
    assert [m.text for m in chat.messages[before:] if m.from_bot] == []
    reply = await world.send_in(hana, chat.chat_id, "/mygroups@gremium_bot")
    assert reply.text.startswith("Your working groups") and "Bildung" in reply.text
    private = await world.send(hana, "/mygroups@OtherBot")  # in a private chat: said so
    assert private.text == (
        "/mygroups is addressed to another bot (@OtherBot), not to me. /help lists what I can do."
    )
    assert "Your working groups" in (await world.send(hana, "/mygroups@gremium_bot")).text


async def test_mydata_shows_local_times_with_their_offset(world: World) -> None:
    """/mydata gives every time in the group's zone with its offset, winter and summer alike.
    Planted: times exported in UTC ("+00:00")."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7204, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "13.07.2027 17:00")
    await world.press(hana, next(x for x in preview.button_labels if x.startswith("✅ Send")))
    poll = next(m for m in reversed(hana.bot_messages) if "when shall we meet?" in m.text)
    await hana.press("pv:y:1", message=poll)
    await world.settle()
    reply = await world.send(hana, "/mydata")
    assert reply.document is not None
    data = json.loads(reply.document.content)
    assert data["exported_at"] == "2026-11-24T10:00:00+01:00"
    assert data["memberships"][0]["joined_at"] == "2026-11-24T10:00:00+01:00"
    assert data["votes"][0]["date"] == "2027-07-13T17:00:00+02:00"
    assert "+00:00" not in reply.document.content.decode()


async def test_every_bad_line_of_a_date_list_is_reported(world: World) -> None:
    """A typed list with three bad lines gets one reply naming all three; nothing is stored.
    Planted: stopping at the first bad line."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7205, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    bad = await world.send(
        hana, "12.01.2027 17:00\nirgendwann\n01.01.2020 17:00\n12.01.2027 17:00\n30.02.2027"
    )
    assert bad.text.split("\n") == [
        'Line 2: I could not read "irgendwann" as a date. Write it like 01.12.2026 17:00.',
        'Line 3: "01.01.2020 17:00" is in the past.',
        'Line 4: "12.01.2027 17:00" is the same date as line 1.',
        'Line 5: "30.02.2027" is not a date in the calendar.',
    ]
    async with world.sessionmaker() as session:
        assert (await session.exec(select(PollOption))).all() == []
    fixed = await world.send(hana, "12.01.2027 17:00\n14.01.2027 17:00")
    assert fixed.text.startswith("Preview: this is what the members will get.")


async def _meeting_for(world: World, hana: UserHandle, member: UserHandle) -> None:
    """Hana's poll with one date closes; the meeting on 12 January 2027 is fixed."""
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "12.01.2027 17:00")
    await world.press(hana, next(x for x in preview.button_labels if x.startswith("✅ Send")))
    poll = next(m for m in reversed(member.bot_messages) if "when shall we meet?" in m.text)
    await member.press("pv:y:1", message=poll)
    await world.settle()
    await world.tick(timedelta(days=11))


async def test_cancelling_a_meeting_asks_first(world: World) -> None:
    """ "✖️ Cancel meeting" asks; "Keep the meeting" changes nothing; only "Yes, cancel it"
    cancels and tells everyone. Planted: cancelling on the first tap."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7206, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    mia = await consented(world, 7207, "Mia")
    await member_of(world, mia, "bildung")
    await _meeting_for(world, hana, mia)
    await world.send(hana, "/meetings")
    asked = await world.press(hana, "✖️ Cancel meeting")
    assert asked.text == (
        "Cancel the meeting of Bildung on Tuesday, January 12, 2027, 5:00\u202fPM–7:00\u202fPM? "
        "Every member will be told."
    )
    assert asked.button_labels == ["✖️ Yes, cancel it", "Keep the meeting"]
    async with world.sessionmaker() as session:
        assert (await session.exec(select(Meeting))).one().status == MeetingStatus.SCHEDULED
    assert not any("is cancelled" in (m.caption or m.text) for m in mia.bot_messages)
    kept = await world.press(hana, "Keep the meeting", message=asked)
    assert kept.text.startswith("📅 Bildung\nTuesday, January 12, 2027")
    assert kept.button_labels == ["🗓 Move", "✖️ Cancel meeting", "👥 Attendance"]
    await world.press(hana, "✖️ Cancel meeting", message=kept)
    await world.press(hana, "✖️ Yes, cancel it")
    assert "The meeting is cancelled; everyone was told." in [m.text for m in hana.bot_messages]
    async with world.sessionmaker() as session:
        assert (await session.exec(select(Meeting))).one().status == MeetingStatus.CANCELLED
    assert any("is cancelled" in (m.caption or "") for m in mia.bot_messages)


async def test_the_members_answer_stays_on_the_meeting_notice(world: World) -> None:
    """After "I'll come" the notice marks it; changing to "I can't" moves the mark; /meetings and
    the reminder show it too. Planted: only the toast, no mark on the message."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7208, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    mia = await consented(world, 7209, "Mia")
    await member_of(world, mia, "bildung")
    await _meeting_for(world, hana, mia)
    notice = next(m for m in mia.bot_messages if m.document is not None)
    assert notice.button_labels == ["👍 I'll come", "👎 I can't", "📝 Propose an agenda item"]
    marked = await world.press(mia, "👍 I'll come", message=notice)
    assert mia.callback_answers[-1].text == "See you there!"
    assert marked.message_id == notice.message_id
    assert marked.button_labels == ["[👍 I'll come]", "👎 I can't", "📝 Propose an agenda item"]
    assert (await world.send(mia, "/meetings")).button_labels == [
        "[👍 I'll come]",
        "👎 I can't",
        "📝 Propose an agenda item",
    ]
    await world.tick(timedelta(days=38))  # 7 days before: the reminder keeps her mark
    reminder = next(m for m in mia.bot_messages if m.text.startswith("⏰ Reminder: Bildung meets"))
    assert reminder.button_labels == ["[👍 I'll come]", "👎 I can't", "✋ I'm here"]
    changed = await world.press(mia, "👎 I can't", message=notice)
    # By now the proposals for the agenda have closed: no proposal button any more.
    assert changed.button_labels == ["👍 I'll come", "[👎 I can't]"]
    async with world.sessionmaker() as session:
        (answer,) = (await session.exec(select(Attendance))).all()
    assert answer.coming is False


async def test_a_closed_poll_leaves_no_vote_buttons_anywhere(world: World) -> None:
    """Original and reminder copies lose their vote buttons at the close (the group chat's
    tally has none); a stale ✅ on a reminder is answered "this poll closed". Planted: only
    the original copy redrawn at the close."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7210, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    mia, max_ = await consented(world, 7211, "Mia"), await consented(world, 7212, "Max")
    for user in (mia, max_):
        await member_of(world, user, "bildung")
    chat = world.emu.group_chat(-720, "AG Bildung", admins=[hana.id], members=[mia.id])
    await world.send_in(hana, chat.chat_id, "/link bildung")
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "12.01.2027 17:00\n14.01.2027 17:00")
    await world.press(hana, next(x for x in preview.button_labels if x.startswith("✅ Send")))
    await world.send(hana, "/remind")
    poll = next(m for m in reversed(max_.bot_messages) if "when shall we meet?" in m.text)
    await max_.press("pv:y:1", message=poll)
    await world.settle()
    await world.tick(timedelta(days=9, hours=6))  # the 48-hour reminder goes out too
    reminders = [m for m in mia.bot_messages if m.text.startswith("⏰ Reminder: please answer")]
    assert len(reminders) == 2 and all(m.buttons for m in reminders)
    await world.tick(timedelta(days=2))  # past the deadline: closed
    async with world.sessionmaker() as session:
        assert (await session.exec(select(Poll))).one().status == PollStatus.CLOSED
    copies = [m for m in mia.bot_messages if "when shall we meet?" in m.text]
    assert len(copies) == 4  # the poll, the manual reminder, 48 and 6 hours before
    for copy in copies:
        assert copy.buttons == [], copy.text
        assert "🔒 The poll is closed." in copy.text
    assert all(m.buttons == [] for m in chat.messages if m.from_bot)
    await mia.press_data(reminders[0].message_id, "pv:y:2")
    await world.settle()
    assert mia.callback_answers[-1].text.startswith("This poll closed on")


async def test_quiet_hours_are_named_in_the_replies(world: World) -> None:
    """At 21:00 the delivery report says what waits and until when, and the poll does not claim
    that members got it; at 08:00 it goes out and the report finishes. Planted: the plain
    "waiting: 5" and "5 members received it" at night."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7213, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    members = [await consented(world, 7220 + i, f"N{i}") for i in range(5)]
    for user in members:
        await member_of(world, user, "bildung")
    world.clock.set(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))  # 21:00 in Herne
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Bitte morgen lesen")
    await world.press(hana, "✅ Send")
    report = next(m for m in reversed(hana.bot_messages) if "Delivery of the" in m.text)
    assert "⏳ waiting: 5 — until 8:00\u202fAM (quiet hours)" in report.text
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "12.01.2027 17:00\n14.01.2027 17:00")
    await world.press(hana, next(x for x in preview.button_labels if x.startswith("✅ Send")))
    assert hana.last.text == (
        "The poll is open. Because of the quiet hours, 6 members get it at 8:00\u202fAM. "
        "/polls shows its progress."
    )
    assert not any("when shall we meet?" in m.text for u in members for m in u.bot_messages)
    async with world.sessionmaker() as session:
        rows = (await session.exec(select(Delivery).where(Delivery.kind == "poll_invite"))).all()
    assert {r.not_before for r in rows} == {datetime(2026, 11, 25, 7, 0, tzinfo=UTC)}
    await world.tick(datetime(2026, 11, 25, 7, 1, tzinfo=UTC) - world.clock.now())
    assert all(any("when shall we meet?" in m.text for m in u.bot_messages) for u in members)
    report = next(m for m in hana.bot_messages if m.message_id == report.message_id)
    assert "✅ delivered: 5" in report.text and "Finished." in report.text
    assert "quiet hours" not in report.text


BILDUNG = InitialGroup(
    "bildung",
    "Bildung",
    Rhythm(
        weekdays=(0, 2),
        window_start=time(17),
        window_end=time(19),
        duration_minutes=120,
        location="Rathaus Herne, Friedrich-Ebert-Platz 2",
    ),
)


async def test_suggestions_follow_the_rhythm_and_leave_room(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """ "Suggest dates" for "3 weeks" offers only Bildung's Mondays and Wednesdays, 17-19, late
    enough for the poll, the notice and both reminders; the configured place is the default in
    the poll, the notice and the .ics. Planted: suggestions from tomorrow on Tue/Thu with the
    10-day deadline; no default place."""
    groups = (*(g for g in GROUPS if g.slug != "bildung"), BILDUNG)
    async with running_bot(
        database_url=database_url, sessionmaker=sessionmaker, clock=clock, groups=groups
    ) as world:
        admin = await consented(world, ADMIN_ID, "Olga")
        hana = await consented(world, 7230, "Hana", username="hana")
        await world.send(admin, "/addcoordinator bildung @hana")
        mia = await consented(world, 7231, "Mia")
        await member_of(world, mia, "bildung")
        await world.send(hana, "/poll")
        await world.press(hana, "Bildung")
        typed = await world.send(hana, "12.01.2027 17:00")  # typed dates get the place too
        assert "📍 Rathaus Herne, Friedrich-Ebert-Platz 2" in typed.text
        await world.send(hana, "/poll")  # starts over: this draft is dropped
        ask = await world.press(hana, "Bildung")
        await world.press(hana, "💡 Suggest dates", message=ask)
        preview = await world.send(hana, "3 weeks")
        assert preview.text.startswith("Preview: this is what the members will get.")
        assert "📍 Rathaus Herne, Friedrich-Ebert-Platz 2" in preview.text
        async with world.sessionmaker() as session:
            poll = (await session.exec(select(Poll).where(Poll.status == PollStatus.DRAFT))).one()
            options = (
                await session.exec(
                    select(PollOption).where(PollOption.poll_id == poll.id).order_by(PollOption.id)  # type: ignore[arg-type]
                )
            ).all()
        local = [o.starts_at.astimezone(BERLIN) for o in options]
        assert [d.date() for d in local] == [
            date(2026, 12, 7),
            date(2026, 12, 9),
            date(2026, 12, 14),
        ]
        assert {
            (d.hour, o.ends_at.astimezone(BERLIN).hour)
            for d, o in zip(local, options, strict=True)
        } == {(17, 19)}
        assert poll.deadline == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # Sun 18:00 in Herne
        assert poll.location == "Rathaus Herne, Friedrich-Ebert-Platz 2"
        await world.press(hana, next(x for x in preview.button_labels if x.startswith("✅ Send")))
        invite = next(m for m in reversed(mia.bot_messages) if "when shall we meet?" in m.text)
        assert "📍 Rathaus Herne, Friedrich-Ebert-Platz 2" in invite.text
        await mia.press(f"pv:y:{options[0].id}", message=invite)
        await world.settle()
        await world.tick(poll.deadline + timedelta(minutes=1) - world.clock.now())
        notice = next(m for m in mia.bot_messages if m.document is not None)
        assert "📍 Rathaus Herne, Friedrich-Ebert-Platz 2" in (notice.caption or "")
        event = icalendar.Calendar.from_ical(notice.document.content).walk("VEVENT")[0]
        assert str(event["LOCATION"]) == "Rathaus Herne, Friedrich-Ebert-Platz 2"
        meeting_at = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
        assert meeting_at - notice.date >= timedelta(days=7)
        for day in (30, 36):  # 7 days and 1 day before, 10:00 in Herne
            await world.tick(
                datetime(2026, 11, 1, 9, 1, tzinfo=UTC)
                + timedelta(days=day - 1)
                - world.clock.now()
            )
        reminders = [m for m in mia.bot_messages if m.text.startswith("⏰ Reminder: Bildung")]
        assert [m.date.astimezone(BERLIN).date() for m in reminders] == [
            date(2026, 11, 30),
            date(2026, 12, 6),
        ]
        assert all("📍 Rathaus Herne" in m.text for m in reminders)
        assert world.spec_problems() == []


async def test_a_period_without_room_is_refused_clearly(world: World) -> None:
    """ "1 week" leaves no room for a poll before the meeting: the reply names the first
    possible day. Planted: suggestions inside the week with a deadline the day before."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7232, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    await world.send(hana, "/poll")
    ask = await world.press(hana, "Bildung")
    await world.press(hana, "💡 Suggest dates", message=ask)
    reply = await world.send(hana, "1 week")
    assert reply.text == (
        "This period is too short: the poll, the meeting notice and the reminders need time, "
        "so the first date can be on Dec 5, 2026 at the earliest. Choose a period that ends "
        "later, for example 6 weeks."
    )
    async with world.sessionmaker() as session:
        assert (await session.exec(select(PollOption))).all() == []
