"""Announcements end to end: compose, preview, send, schedule, cancel, faults, quiet hours."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.models import Announcement, AnnouncementStatus, DeliveryStatus
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented, deliveries, member_of


async def _coordinator(world: World) -> object:
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 3001, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    return hana


async def test_coordinator_announces_to_group(world: World) -> None:
    """Members get the text with its formatting, headed by group and sender; the report fills."""
    hana = await _coordinator(world)
    members = [await consented(world, 3100 + i, f"M{i}") for i in range(5)]
    for m in members:
        await member_of(world, m, "bildung")
    outsider = await consented(world, 3200, "Out")
    await member_of(world, outsider, "kultur")

    pick = await world.send(hana, "/announce")
    assert pick.text == "Which group is the announcement for?"
    assert [row[0][0] for row in pick.buttons] == ["Bildung"]
    asked = await world.press(hana, "Bildung")
    assert asked.text.startswith("Send me the announcement for Bildung")

    await hana.send_html(
        'Treffen am <b>Donnerstag</b>, Infos: <a href="https://herne.de">herne.de</a>'
    )
    await world.settle()
    preview = hana.last
    assert preview.html == (
        "📢 <b>Bildung</b> · Hana\n\nTreffen am <b>Donnerstag</b>, Infos: "
        '<a href="https://herne.de/">herne.de</a>'
    )
    assert [b[0] for b in preview.buttons[0]] == ["✅ Send", "🕒 Schedule", "✖️ Cancel"]
    for m in members:
        assert all("Donnerstag" not in msg.text for msg in m.chat)  # nothing sent before Send

    send_data = preview.buttons[0][0][1]
    assert send_data is not None
    await world.press(hana, "✅ Send")
    assert hana.chat[-2].buttons == []  # the preview keeps its text, loses its buttons
    for m in members:
        assert m.last.html == preview.html
    assert all("Donnerstag" not in msg.text for msg in outsider.chat)
    report = hana.last
    assert report.text.startswith("Delivery of the announcement to Bildung")
    assert "✅ delivered: 5" in report.text  # the sender saw the preview and gets no copy
    assert "⏳ waiting: 0" in report.text and "Finished." in report.text
    rows = await deliveries(world)
    assert Counter(r.status for r in rows) == {DeliveryStatus.SENT: 5}

    # Send pressed twice (a double tap before the buttons disappeared): one announcement.
    await hana.press_data(preview.message_id, send_data)
    await world.settle()
    assert hana.callback_answers[-1].text == "This announcement was already sent or cancelled."
    assert len(await deliveries(world)) == 5


async def test_admin_announces_to_all_groups_once_per_member(world: World) -> None:
    """'All groups' reaches each member once, even if they are in several groups."""
    admin = await consented(world, ADMIN_ID, "Olga")
    a = await consented(world, 3301, "A")
    b = await consented(world, 3302, "B")
    await member_of(world, a, "bildung", "kultur")
    await member_of(world, b, "wohnen")
    await world.send(admin, "/announce")
    await world.press(admin, "📣 All working groups")
    await world.send(admin, "Konferenz am 3. März")
    await world.press(admin, "✅ Send")
    for user in (a, b):
        notes = [m for m in user.chat if "Konferenz am 3. März" in m.text]
        assert len(notes) == 1
        assert notes[0].text.startswith("📢 All working groups · Olga")


async def test_scheduled_announcement_goes_out_at_its_time_and_can_be_cancelled(
    world: World,
) -> None:
    """Schedule takes a local time; the sweep sends it then; a cancelled one never goes."""
    hana = await _coordinator(world)
    member = await consented(world, 3400, "Mo")
    await member_of(world, member, "bildung")
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Erinnerung: Unterlagen mitbringen")
    await world.press(hana, "🕒 Schedule")
    assert hana.last.text.startswith("When should it go out?")
    bad = await world.send(hana, "gestern")
    assert "could not" in bad.text.lower() or "past" in bad.text.lower()
    ok = await world.send(hana, "25.11. 09:00")
    assert ok.text == (
        "Scheduled for Wednesday, November 25, 2026, 9:00\u202fAM. /announcements lists it; "
        "you can cancel it there."
    )
    async with world.sessionmaker() as session:
        stored = (await session.exec(select(Announcement))).one()
    assert stored.scheduled_for == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 09:00 in Berlin

    await world.tick(timedelta(hours=22))  # 07:00 UTC: not yet
    assert all("Unterlagen" not in m.text for m in member.chat)
    await world.tick(timedelta(hours=1, minutes=1))
    assert "Unterlagen mitbringen" in member.last.text

    # A second one, cancelled from /announcements before its time.
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Wird abgesagt")
    await world.press(hana, "🕒 Schedule")
    await world.send(hana, "2026-12-24 09:00")
    listing = await world.send(hana, "/announcements")
    assert "scheduled for" in listing.text and "Wird abgesagt" in listing.text
    await world.press(hana, "✖️ Cancel: Bildung")
    await world.tick(timedelta(days=40))
    assert all("Wird abgesagt" not in m.text for m in member.chat)


async def test_member_cannot_send_someone_elses_preview(world: World) -> None:
    """A forged Send on another person's preview is refused and sends nothing."""
    hana = await _coordinator(world)
    mallory = await consented(world, 3666, "Mallory")
    await member_of(world, mallory, "bildung")
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Nur von Hana")
    async with world.sessionmaker() as session:
        draft = (await session.exec(select(Announcement))).one()
    await mallory.press_data(mallory.last.message_id, f"an:s:{draft.id}")
    await world.settle()
    assert mallory.callback_answers[
        -1
    ].text == "Only coordinators and organisers can send announcements." or (
        mallory.callback_answers[-1].text == "This is someone else's announcement."
    )
    assert await deliveries(world) == []
    async with world.sessionmaker() as session:
        assert (
            await session.exec(select(Announcement))
        ).one().status == AnnouncementStatus.PREVIEW


async def test_group_without_members_is_refused(world: World) -> None:
    """Sending to an empty group says so and leaves nothing half-written."""
    admin = await consented(world, ADMIN_ID, "Olga")
    await world.send(admin, "/announce")
    await world.press(admin, "Kultur")
    await world.send(admin, "Hallo?")
    await world.press(admin, "✅ Send")
    assert admin.callback_answers[-1].text == (
        "This group has no members yet, so there is nobody to send it to."
    )
    async with world.sessionmaker() as session:
        assert (
            await session.exec(select(Announcement))
        ).one().status == AnnouncementStatus.PREVIEW
    assert await deliveries(world) == []


async def test_faults_and_blocked_member(world: World) -> None:
    """429 and 5xx are retried until every member has it once; a blocked member is reported."""
    hana = await _coordinator(world)
    members = [await consented(world, 3500 + i, f"N{i}") for i in range(12)]
    for m in members:
        await member_of(world, m, "bildung")
    await members[0].block()
    await world.settle()
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Trotz Störungen")
    world.emu.faults.add("429", methods=["sendMessage"], count=2, retry_after=1)
    world.emu.faults.add("500", methods=["sendMessage"], count=3)
    world.emu.faults.add("drop", methods=["sendMessage"], count=1)
    await world.press(hana, "✅ Send")
    for m in members[1:]:
        assert [msg.text for msg in m.chat].count("📢 Bildung · Hana\n\nTrotz Störungen") == 1
    report = hana.last.text
    assert "✅ delivered: 11" in report
    assert "🚫 unreachable: 1" in report  # blocked before: not sent, but named
    assert "Not reached: N0" in report
    members_view = await world.send(hana, "/members bildung")
    assert "N0 ⚠️ not reachable" in members_view.text


async def test_member_blocking_during_broadcast_is_listed(world: World) -> None:
    """A member who blocked the bot without the bot knowing is marked and named in the report."""
    hana = await _coordinator(world)
    gone = await consented(world, 3600, "Gone", last_name="Away")
    await member_of(world, gone, "bildung")
    world.emu.block_silently(gone)
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Hallo")
    await world.press(hana, "✅ Send")
    assert "🚫 unreachable: 1" in hana.last.text
    assert "Not reached: Gone Away" in hana.last.text
    async with world.sessionmaker() as session:
        from storage.models import Member

        gone_member = (await session.exec(select(Member).where(Member.telegram_id == 3600))).one()
    assert gone_member.unreachable_since == world.clock.now()


async def test_quiet_hours_hold_messages_until_morning(world: World) -> None:
    """At 22:30 Berlin an announcement waits until 08:00; an urgent one goes at once."""
    hana = await _coordinator(world)
    member = await consented(world, 3700, "Night")
    await member_of(world, member, "bildung")
    world.clock.set(datetime(2026, 11, 24, 21, 30, tzinfo=UTC))  # 22:30 in Berlin
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Morgen früh lesen")
    await world.press(hana, "✅ Send")
    assert all("Morgen früh" not in m.text for m in member.chat)
    assert "⏳ waiting: 1" in hana.last.text  # the member; the sender gets no copy
    await world.tick(timedelta(hours=9, minutes=29))  # 07:59 Berlin
    assert all("Morgen früh" not in m.text for m in member.chat)
    await world.tick(timedelta(minutes=2))
    assert "Morgen früh lesen" in member.last.text

    world.clock.set(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))  # 23:00 Berlin
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Dringend: Raum geändert")
    await world.press(hana, "🔕 Urgent: off")
    await world.press(hana, "✅ Send")
    assert "Dringend: Raum geändert" in member.last.text


async def test_linked_group_chat_receives_and_pins(world: World) -> None:
    """A coordinator who administers a group chat links it; announcements go there, pinned."""
    hana = await _coordinator(world)
    member = await consented(world, 3800, "Lin")
    await member_of(world, member, "bildung")
    chat = world.emu.group_chat(
        -100500,
        "AG Bildung",
        type="supergroup",
        admins=[hana.id],
        members=[member.id],
        bot_status="administrator",
    )
    refused = await world.send_in(member, chat.chat_id, "/link bildung")
    assert refused.text == "Only the coordinators of Bildung and the organisers can do that."
    linked = await world.send_in(hana, chat.chat_id, "/link bildung")
    assert linked.text == (
        "This chat is now linked to Bildung. Announcements to Bildung appear here too."
    )
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "Sommerfest am Freitag")
    assert "📌 Pin in group chat: off" in preview.button_labels
    await world.press(hana, "📌 Pin in group chat: off")
    await world.press(hana, "✅ Send")
    in_chat = [m for m in chat.messages if m.from_bot and "Sommerfest" in m.text]
    assert len(in_chat) == 1
    assert in_chat[0].pinned
    assert "Sommerfest am Freitag" in member.last.text
    # The chat becomes a supergroup... it already is; a basic group migrates and the link follows.
    basic = world.emu.group_chat(-600, "AG Kultur", admins=[hana.id])
    await world.send(world.emu.get_user(ADMIN_ID), "/addcoordinator kultur @hana")
    await world.send_in(hana, basic.chat_id, "/link kultur")
    new = basic.migrate()
    await world.settle()
    async with world.sessionmaker() as session:
        from storage.models import Group

        kultur = (await session.exec(select(Group).where(Group.slug == "kultur"))).one()
    assert kultur.chat_id == new.chat_id


async def test_restart_mid_broadcast_resumes(world: World) -> None:
    """Stopping the bot halfway through a broadcast loses nobody: the rest go out after a start."""
    from tests.e2e.harness import restart

    hana = await _coordinator(world)
    members = [await consented(world, 3900 + i, f"R{i}") for i in range(8)]
    for m in members:
        await member_of(world, m, "bildung")
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Nach dem Neustart")
    world.app.bot_data.dispatcher.limiter.limits = replace(
        world.app.bot_data.dispatcher.limiter.limits, global_per_second=2
    )
    await hana.press("✅ Send")
    await world.emu.wait_delivered()
    await world.processor.wait_idle()
    await asyncio.sleep(0.6)  # a few went out, most are still waiting for their turn
    before = Counter(r.status for r in await deliveries(world))
    assert 0 < before[DeliveryStatus.SENT] < 8, before
    await restart(world, settle=False)
    await world.settle()
    rows = await deliveries(world)
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    for m in members:
        assert [x.text for x in m.chat].count("📢 Bildung · Hana\n\nNach dem Neustart") == 1
