"""The meeting record after a meeting: /minutes with a text and a document (forwarded by file
id, never downloaded), a decision, an action item with its owner's reminder and one-tap "done",
open items on the next agenda. English coordinator, German and English members."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from storage.models import DueTask, TaskKind
from storage.record_models import ActionItem, Decision, Minutes
from tests.e2e.harness import World
from tests.e2e.record_helpers import fix_meeting, people

PDF = b"%PDF-1.4\n% minutes of the meeting\n"


async def test_minutes_decisions_and_actions(world: World) -> None:
    """The whole after-meeting dialogue, with role checks. (Planted: not cancelling the
    reminders on "done" left the due-day reminder waiting: failed at ``waiting == []``.)"""
    _, hana, (bulent, ada) = await people(world, ("de", "en"))
    meeting = await fix_meeting(world, hana, ada)
    early = await world.send(hana, "/minutes bildung")
    assert early.text == "No meeting of Bildung has taken place yet."
    await world.tick(datetime(2027, 1, 12, 18, 45, tzinfo=UTC) - world.clock.now())

    start = await world.send(hana, "/minutes bildung")
    assert start.text.startswith("🗒 Minutes of Bildung, Tuesday, January 12, 2027")
    await world.send(hana, "We talked about <money> & flyers.")
    refused = await world.send(hana, "x")  # a text is fine; a program file is not
    assert refused.text.startswith("🗒 Added to the minutes.")
    await hana.send_document(b"MZ...", "virus.exe", mime_type="application/x-msdownload")
    await world.settle()
    assert hana.last.text == "Please send the minutes as PDF, DOCX or ODT, or as text."
    sent = await hana.send_document(PDF, "Protokoll.pdf", mime_type="application/pdf")
    await world.settle()
    assert sent.document is not None
    original_id = sent.document.file_id

    await world.press(hana, "⚖️ Decision")
    assert (await world.send(hana, "Flyer in sechs Sprachen")).text == "⚖️ Decision recorded."
    await world.press(hana, "✅ Action item")
    who = await world.send(hana, "Flyer drucken lassen")
    assert who.text == "Who is responsible? Tap a member of Bildung."
    assert sorted(who.button_labels) == ["Ada", "Bülent", "Hana"]

    # Ada, a plain member, cannot pick the owner, send the minutes or finish others' items.
    await ada.press_data(ada.last.message_id, f"ro:{meeting.id}:3")
    await ada.press_data(ada.last.message_id, f"rc:m:{meeting.id}")
    await world.settle()
    assert ada.callback_answers[-1].text == (
        "Only the coordinators of Bildung and the organisers can do that."
    )

    await world.press(hana, "Bülent", message=who)
    assert hana.last.text == "By when? Send a date, for example 15.02.2027."
    recorded = await world.send(hana, "10.02.2027")
    assert recorded.text == (
        "✅ Action item recorded: Flyer drucken lassen — Bülent, by Feb 10, 2027"
    )
    task = bulent.last
    assert task.text == (
        "✅ Bildung: Sie haben eine Aufgabe übernommen, fällig am Mittwoch, 10. Februar 2027:\n"
        "Flyer drucken lassen\n\nTippen Sie auf „Erledigt“, wenn sie erledigt ist."
    )
    async with world.sessionmaker() as session:
        action = (await session.exec(select(ActionItem))).one()
    await ada.press_data(task.message_id, f"rd:{action.id}")
    await world.settle()
    assert ada.callback_answers[-1].text == (
        "Only the coordinators of Bildung and the organisers can do that."
    )

    # Send: members get the text, decisions, actions, and the document by its file id.
    await world.press(hana, "📤 Send to the members")
    assert any(m.text == "📤 The minutes went to 3 members." for m in hana.chat)
    summary = next(m for m in reversed(bulent.chat) if m.text.startswith("🗒 Protokoll von"))
    assert "We talked about <money> & flyers." in summary.text
    assert "Beschlüsse:\n• Flyer in sechs Sprachen" in summary.text
    assert "Aufgaben:\n• Flyer drucken lassen — Bülent, bis 10.02.2027" in summary.text
    document = next(m for m in reversed(ada.chat) if m.document is not None)
    assert document.document.file_id == original_id
    assert document.document.content == PDF
    assert (document.caption or "").startswith("🗒 Minutes of Bildung, Tuesday, January 12")
    assert not [c for c in world.emu.calls if c.method == "getFile"]
    async with world.sessionmaker() as session:
        minutes = (await session.exec(select(Minutes).order_by(col(Minutes.id)))).all()
        decisions = (await session.exec(select(Decision))).all()
    assert [(m.text, m.file_id, m.sent_at is not None) for m in minutes] == [
        ("We talked about <money> & flyers.", None, True),
        ("x", None, True),
        (None, original_id, True),
    ]
    assert [d.text for d in decisions] == ["Flyer in sechs Sprachen"]

    # The next meeting's agenda carries the open item by itself.
    await fix_meeting(world, hana, ada, "16.02.2027 17:00")
    agenda = await world.send(ada, "/agenda")
    assert "Open action items:\n   • Flyer drucken lassen — Bülent, by Feb 10, 2027" in (
        agenda.text
    )

    # Bülent is reminded three days before and marks it done with one tap.
    await world.tick(datetime(2027, 2, 7, 9, 1, tzinfo=UTC) - world.clock.now())
    reminder = bulent.last
    assert reminder.text.startswith("⏰ Erinnerung: Bildung zählt dabei auf Sie")
    done = await world.press(bulent, "✅ Erledigt", message=reminder)
    assert done.text == "✅ Erledigt: Flyer drucken lassen"
    async with world.sessionmaker() as session:
        action = (await session.exec(select(ActionItem))).one()
        waiting = (
            await session.exec(
                select(DueTask).where(
                    DueTask.kind == TaskKind.ACTION_REMINDER,
                    col(DueTask.done_at).is_(None),
                    col(DueTask.cancelled).is_(False),
                )
            )
        ).all()
    assert action.done_at is not None and action.due_on == date(2027, 2, 10)
    assert waiting == []
    before = len(bulent.chat)
    await world.tick(datetime(2027, 2, 10, 9, 1, tzinfo=UTC) - world.clock.now())
    later = bulent.chat[before:]
    assert any("Bildung trifft sich" in m.text for m in later)  # the 7-day meeting reminder
    assert not any("Flyer drucken lassen" in m.text for m in later)
    assert "Open action items" not in (await world.send(ada, "/agenda")).text
