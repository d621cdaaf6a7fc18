"""A Turkish-speaking member goes through join, poll and meeting notice entirely in Turkish,
while the coordinator works in German: each person reads the bot in their own language."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented

#: Words that give away English or German where only Turkish should be.
FOREIGN = ("when shall we meet", "Please", "Bitte", "Wann", "Umfrage", "Treffen", "member")


async def test_turkish_member_joins_votes_and_gets_the_meeting_in_turkish(world: World) -> None:
    """Join, poll, vote, meeting notice with calendar file and attendance: all in Turkish for
    Ayşe; the German coordinator gets German; only the coordinator's own words stay as written."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 7001, "Hana", language="de", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")

    ayse = world.emu.user(7002, "Ayşe", language_code="tr")
    welcome = await world.send(ayse, "/start")
    assert welcome.text.startswith("Merhaba Ayşe! Ben Integrationskonferenz Herne asistanıyım.")
    assert "Gizlilik" in welcome.text
    listing = await world.press(ayse, "✅ Kabul ediyorum")
    assert listing.text.startswith("Teşekkürler! Artık çalışma gruplarına katılabilirsin.")
    assert "• Bildung — 1 üye" in listing.text
    await world.press(ayse, "➕ Bildung grubuna katıl")
    assert ayse.callback_answers[-1].text == "Bildung grubuna katıldın."
    assert ayse.commands[0].description == "Çalışma grupları: katıl ve ayrıl"

    asked = await world.send(hana, "/poll")
    assert asked.text == "Für welche Gruppe ist die Terminumfrage?"
    await world.press(hana, "Bildung")
    preview = await world.send(hana, "08.12.2026 17:00\n10.12.2026 17:00")
    assert preview.text.startswith("Vorschau: So sieht es für die Mitglieder aus.")
    send = next(label for label in preview.button_labels if label.startswith("✅ An"))
    assert send == "✅ An 2 Mitglieder senden"
    await world.press(hana, send)

    poll = next(m for m in ayse.bot_messages if "ne zaman buluşalım?" in m.text)
    assert "Bildung: ne zaman buluşalım?" in poll.text
    assert "8 Aralık 2026 Salı" in poll.text
    assert "Lütfen 4 Aralık 2026 Cuma, 18:00 tarihine kadar cevap ver." in poll.text
    assert "Her tarih için ✅ evet, 🤔 belki veya ❌ hayır seçeneğine dokun." in poll.text
    assert not any(word in poll.text for word in FOREIGN)
    german = next(m for m in hana.bot_messages if "Wann treffen wir uns?" in m.text)
    assert "Dienstag, 8. Dezember 2026" in german.text

    await ayse.press("pv:y:1", message=poll)
    await world.settle()
    assert ayse.callback_answers[-1].text == "Kaydedildi: 8 Ara Sal 17:00 için ✅"
    await world.tick(datetime(2026, 12, 4, 17, 1, tzinfo=UTC) - world.clock.now())

    notice = next(m for m in ayse.chat if m.document is not None)
    assert notice.caption is not None
    assert notice.caption.startswith("📅 Bildung: toplantı tarihi belli oldu.")
    assert "8 Aralık 2026 Salı" in notice.caption
    assert "Dosyayla takvimine ekleyebilirsin. Gelecek misin?" in notice.caption
    assert not any(word in notice.caption for word in FOREIGN)
    event = icalendar.Calendar.from_ical(notice.document.content).walk("VEVENT")[0]
    assert event["SUMMARY"] == "Toplantı: Bildung"
    hana_notice = next(m for m in hana.chat if m.document is not None)
    assert hana_notice.caption is not None
    assert "Bildung: Das Treffen steht fest." in hana_notice.caption

    await world.press(ayse, "👍 Geleceğim")
    assert ayse.callback_answers[-1].text == "Orada görüşürüz!"

    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, "Bitte bringt eure Ideen mit!")
    await world.press(hana, "✅ Senden")
    announcement = ayse.last
    assert announcement.text == "📢 Bildung · Hana\n\nBitte bringt eure Ideen mit!"  # as written
