"""The group's record and its exports: /record, the PDF attendance list (read back with pypdf)
and the CSV, only for coordinators and organisers; a hybrid meeting's online link in the
notice and the .ics; the group's place as the default place. German coordinator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import icalendar
import pypdf
from sqlmodel import select

from sandbox.emulator import UserHandle
from storage.models import Group, GroupRhythm, Meeting, Member
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented, member_of
from tests.e2e.record_helpers import fix_meeting, people
from tests.personal_data import Person, traces

PLACE = "Rathaus Herne, Raum 101"
LINK = "https://meet.example.org/bildung"


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


async def _document(world: World, user: UserHandle, label: str, message: object) -> bytes:
    before = len(user.chat)
    await world.press(user, label, message=message)  # type: ignore[arg-type]
    files = [m for m in user.chat[before:] if m.document is not None]
    assert len(files) == 1, user.chat[before:]
    return files[0].document.content


async def _group_place(world: World) -> None:
    """Bildung meets at the Rathaus (its rhythm, switched off, holds the place)."""
    async with world.sessionmaker.begin() as session:
        group = (await session.exec(select(Group).where(Group.slug == "bildung"))).one()
        assert group.id is not None
        session.add(
            GroupRhythm(
                group_id=group.id,
                enabled=False,
                per_year=6,
                weekdays=[1],
                window_start="17:00",
                window_end="19:00",
                duration_minutes=120,
                location=PLACE,
                lead_days=42,
                poll_days=10,
                candidates=3,
                review=False,
                review_days=7,
            )
        )


async def test_record_and_exports(world: World) -> None:
    """Hybrid meeting, check-ins with Latin, Cyrillic and Arabic names, /record, PDF and CSV;
    a plain member gets neither. (Planted: listing everyone who said "I'll come" instead of
    those checked in put Ada on the PDF: failed at the table of names.)"""
    _, hana, (bulent, ada) = await people(world, ("de", "en"), coordinator_language="de")
    olena = await consented(world, 4200, "Олена", language="uk")
    amina = await consented(world, 4201, "أمينة", language="ar")
    for person in (olena, amina):
        await member_of(world, person, "bildung")
    await _group_place(world)
    meeting = await fix_meeting(world, hana, ada)
    assert meeting.location == PLACE  # the group's place was the poll's default

    # Hana adds the online link from /record: everyone gets the notice with a link button.
    record = await world.send(hana, "/record")
    assert record.text == "📚 Bildung: die Chronik der Treffen"
    view = hana.last
    assert view.text.startswith("📅 Dienstag, 12. Januar 2027, 17:00–19:00\n📍 " + PLACE)
    await world.press(hana, "🌐 Online-Link", message=view)
    assert (await world.send(hana, "meet dot org")).text == (
        "Bitte senden Sie einen Link, der mit https:// beginnt, oder - zum Entfernen."
    )
    saved = await world.send(hana, LINK)
    assert saved.text == (
        "Gespeichert; alle haben die aktualisierte Einladung mit Kalenderdatei bekommen."
    )
    notice = [m for m in ada.chat if m.document is not None][-1]
    assert ("🌐 Join online", LINK) in [b for row in notice.buttons for b in row]
    event = icalendar.Calendar.from_ical(notice.document.content).walk("VEVENT")[0]
    assert str(event["URL"]) == LINK and str(event["LOCATION"]) == PLACE
    assert int(event["SEQUENCE"]) == 1
    german = [m for m in bulent.chat if m.document is not None][-1]
    assert "🌐 Online teilnehmen" in german.button_labels

    # At the meeting: Bülent, Олена and أمينة check in; Ada said she'd come but did not.
    await world.press(ada, "👍 I'll come", message=notice)
    await world.send(hana, "/checkin")
    async with world.sessionmaker() as session:
        token = (await session.get(Meeting, meeting.id)).checkin_token  # type: ignore[union-attr]
    await world.tick(datetime(2027, 1, 12, 16, 5, tzinfo=UTC) - world.clock.now())
    for person in (bulent, olena, amina):
        await world.send(person, f"/start here-{token}")

    # A plain member sees no record and no export, forged or not.
    assert (await world.send(ada, "/record bildung")).text == (
        "Only the coordinators of Bildung and the organisers can do that."
    )
    before = len(ada.chat)
    await ada.press_data(notice.message_id, f"rc:p:{meeting.id}")
    await ada.press_data(notice.message_id, f"rc:c:{meeting.id}")
    await world.settle()
    assert not [m for m in ada.chat[before:] if m.document is not None]

    await world.tick(datetime(2027, 1, 12, 19, 0, tzinfo=UTC) - world.clock.now())
    await world.send(hana, "/record bildung")
    view = hana.last
    assert "👍 kommen: 1 · 👎 kommen nicht: 0\n✋ 3 anwesend: Bülent, Олена, أمينة" in view.text
    text = _pdf_text(await _document(world, hana, "📄 Anwesenheitsliste (PDF)", view))
    assert "Anwesenheitsliste" in text
    assert "Integrationskonferenz Herne" in text
    assert "Bildung" in text and "Dienstag, 12. Januar 2027, 17:00–19:00" in text
    assert PLACE in text and LINK in text
    assert "# Name Unterschrift\n1 Bülent\n2 Олена\n3 أمينة\n" in text  # Arabic shaped, in order
    assert "Ada" not in text
    assert "3 Personen anwesend." in text

    table = await _document(world, hana, "📊 Alle Treffen (CSV)", view)
    assert table.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
    assert rows == [
        ["date", "time", "group", "member", "rsvp", "checked_in"],
        ["2027-01-12", "17:00", "Bildung", "Ada", "yes", ""],
        ["2027-01-12", "17:00", "Bildung", "Bülent", "", "yes"],
        ["2027-01-12", "17:00", "Bildung", "Hana", "", ""],
        ["2027-01-12", "17:00", "Bildung", "Олена", "", "yes"],
        ["2027-01-12", "17:00", "Bildung", "أمينة", "", "yes"],
    ]

    # The organiser exports in her own language.
    olga = world.emu.user(ADMIN_ID, "Olga")
    await world.send(olga, "/record bildung")
    english = _pdf_text(await _document(world, olga, "📄 Attendance list (PDF)", olga.last))
    assert "Attendance list" in english and "3 people present." in english
    assert "Tuesday, January 12, 2027" in english

    # Bülent asks to be forgotten: no trace of him remains; his check-in stays a count.
    async with world.sessionmaker() as session:
        stored = (await session.exec(select(Member).where(Member.telegram_id == bulent.id))).one()
    person = Person.of(stored)
    await world.send(bulent, "/forgetme")
    await world.press(bulent, "🗑 Ja, meine Daten löschen")
    assert await traces(world.sessionmaker, person) == []
    await world.send(hana, "/record bildung")
    view = hana.last
    table = await _document(world, hana, "📊 Alle Treffen (CSV)", view)
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
    assert [r[3:] for r in rows[1:]] == [
        ["(anonymous)", "", "yes"],
        ["Ada", "yes", ""],
        ["Hana", "", ""],
        ["Олена", "", "yes"],
        ["أمينة", "", "yes"],
    ]
    text = _pdf_text(await _document(world, hana, "📄 Anwesenheitsliste (PDF)", view))
    assert "1 Олена\n2 أمينة\n3 Personen anwesend." in text
    assert "Darunter 1 Person, die inzwischen um Löschung ihrer Daten gebeten hat." in text
