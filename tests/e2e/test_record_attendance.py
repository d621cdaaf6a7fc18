"""The meeting record, attendance: own answer marked, names for coordinators, "I'm here" in the
meeting's window (button, deep link, QR code), the coordinators' corrections, role checks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from handlers.meetings.attendance import qr_png
from storage.models import Meeting
from storage.record_models import CheckIn
from tests.e2e.harness import World
from tests.e2e.record_helpers import fix_meeting, people


async def _checkins(world: World) -> list[tuple[int | None, str]]:
    async with world.sessionmaker() as session:
        rows = (await session.exec(select(CheckIn))).all()
    return sorted((r.member_id, r.source) for r in rows)


async def test_attendance_and_check_in(world: World) -> None:
    """English coordinator, an English and a German member: answers marked on each member's own
    message, names only for the coordinator, check-in only in the window, corrections.
    (Planted: dropping the "check-in has not opened yet" test in check_in_now let Ada check in
    a week early, and the test failed there.)"""
    _, hana, (ada, bulent) = await people(world, ("en", "de"))
    meeting = await fix_meeting(world, hana, ada)
    notice = next(m for m in ada.chat if m.document is not None)
    await ada.press("👍 I'll come", message=notice)
    await world.settle()
    redrawn = next(m for m in ada.chat if m.message_id == notice.message_id)
    assert redrawn.button_labels[:2] == ["[👍 I'll come]", "👎 I can't"]
    assert "📝 Propose an agenda item" in redrawn.button_labels
    german = next(m for m in bulent.chat if m.document is not None)
    await bulent.press(german.buttons[0][1][1], message=german)
    await world.settle()
    redrawn = next(m for m in bulent.chat if m.message_id == german.message_id)
    assert redrawn.button_labels[:2] == ["👍 Ich komme", "[👎 Ich kann nicht]"]
    assert "📝 Tagesordnungspunkt vorschlagen" in redrawn.button_labels

    listing = await world.send(hana, "/meetings")
    names = await world.press(hana, "👥 Attendance", message=listing)
    assert "👍 Coming (1): Ada" in names.text
    assert "👎 Not coming (1): Bülent" in names.text
    assert "❔ No answer (1): Hana" in names.text
    assert "✋ Were there (0): –" in names.text

    # A plain member sees neither the list nor can correct it (forged buttons).
    before = len(ada.bot_messages)
    await ada.press_data(notice.message_id, f"ml:{meeting.id}")
    await ada.press_data(notice.message_id, f"mc:{meeting.id}:3")
    await world.settle()
    assert len(ada.bot_messages) == before
    assert ada.callback_answers[-1].text == (
        "Only the coordinators of Bildung and the organisers can do that."
    )
    assert await _checkins(world) == []
    assert "Attendance" not in " ".join((await world.send(ada, "/meetings")).button_labels)

    # The 7-day reminder carries "I'm here"; a week early it only says when check-in opens.
    await world.tick(datetime(2027, 1, 5, 9, 1, tzinfo=UTC) - world.clock.now())
    reminder = next(m for m in reversed(ada.chat) if "Reminder: Bildung meets" in m.text)
    assert reminder.button_labels[:3] == ["[👍 I'll come]", "👎 I can't", "✋ I'm here"]
    await world.press(ada, "✋ I'm here", message=reminder)
    assert ada.callback_answers[-1].text == (
        "Check-in opens on Tuesday, January 12, 2027, 4:30\u202fPM, at the meeting."
    )
    assert await _checkins(world) == []

    # /checkin: the link as a QR code.
    qr = await world.send(hana, "/checkin bildung")
    async with world.sessionmaker() as session:
        stored = await session.get(Meeting, meeting.id)
    assert stored is not None and stored.checkin_token
    link = f"https://t.me/gremium_bot?start=here-{stored.checkin_token}"
    assert qr.photo is not None and qr.photo.content == qr_png(link)
    assert qr.caption is not None and link in qr.caption and "Check-in: Bildung" in qr.caption
    assert (await world.send(ada, "/checkin bildung")).text == (
        "Only the coordinators of Bildung and the organisers can do that."
    )

    # At the meeting: the German member scans the code, Ada taps the button.
    await world.tick(datetime(2027, 1, 12, 16, 45, tzinfo=UTC) - world.clock.now())
    scanned = await world.send(bulent, f"/start here-{stored.checkin_token}")
    assert scanned.text == "✅ Sie sind bei Bildung als anwesend eingetragen. Willkommen!"
    await world.press(ada, "✋ I'm here", message=reminder)
    assert ada.callback_answers[-1].text == "✅ You are checked in at Bildung. Welcome!"
    bad = await world.send(ada, "/start here-forged")
    assert bad.text == "This check-in link is not valid (any more)."
    assert await _checkins(world) == [(3, "self"), (4, "self")]

    # Afterwards Hana corrects the list: she was there, Bülent's scan was a mistake.
    await world.tick(datetime(2027, 1, 12, 20, 0, tzinfo=UTC) - world.clock.now())
    await world.press(ada, "✋ I'm here", message=reminder)
    assert ada.callback_answers[-1].text == "Check-in for this meeting has closed."
    await world.press(hana, "▫️ Hana", message=names)
    fixed = await world.press(hana, "✅ Bülent", message=names)
    assert "✋ Were there (2): Ada, Hana" in fixed.text
    assert "✅ Hana" in fixed.button_labels and "▫️ Bülent" in fixed.button_labels
    assert await _checkins(world) == [(2, "added"), (3, "self")]
