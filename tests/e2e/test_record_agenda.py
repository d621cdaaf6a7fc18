"""The meeting record, agenda: members propose (notice button or /agenda), coordinators accept,
reorder, edit, drop and add; proposals close in time; the agenda goes out with the 7-day
reminder in each member's language. German coordinator, English and Ukrainian members."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from storage import record as record_repo
from storage.models import DueTask, Group, TaskKind
from storage.record_models import AgendaItem
from tests.e2e.harness import World
from tests.e2e.record_helpers import fix_meeting, people


async def _items(world: World) -> list[tuple[str, str, int]]:
    async with world.sessionmaker() as session:
        rows = (await session.exec(select(AgendaItem).order_by(col(AgendaItem.id)))).all()
    return [(r.text, str(r.status), r.position) for r in rows]


async def test_agenda(world: World) -> None:
    """Propose, role checks, manage, close, remind. (Planted: ``proposals_close_at`` ignoring
    the days set the close to the meeting's start: failed at "Vorschläge schließen am".)"""
    _, hana, (ada, oksana) = await people(world, ("en", "uk"), coordinator_language="de")
    meeting = await fix_meeting(world, hana, ada)

    # Ada proposes from the notice; too long is refused, then a proper item.
    notice = next(m for m in ada.chat if m.document is not None)
    prompt = await world.press(ada, "📝 Propose an agenda item", message=notice)
    assert prompt.text.startswith("What shall Bildung discuss on Tuesday, January 12, 2027")
    too_long = await world.send(ada, "x" * 501)
    assert too_long.text == (
        "That is 501 characters; an item may have at most 500. Please shorten it."
    )
    thanks = await world.send(ada, "Haushalt 2027 & Förderanträge")
    assert thanks.text == "Thank you! The coordinators will look at your proposal."
    told = hana.last
    assert told.text.startswith("📝 Neuer Vorschlag für die Tagesordnung von Bildung")
    assert "von Ada:\nHaushalt 2027 & Förderanträge" in told.text

    # Oksana (Ukrainian) proposes through /agenda; her text keeps its angle brackets.
    shown = await world.send(oksana, "/agenda")
    assert shown.text.startswith("📋 Bildung: порядок денний")
    assert "Пунктів поки немає." in shown.text
    await world.press(oksana, "📝 Порядок денний: запропонувати пункт", message=shown)
    await world.send(oksana, "<b>Sprachkurse</b> für Eltern")
    assert await _items(world) == [
        ("Haushalt 2027 & Förderanträge", "proposed", 0),
        ("<b>Sprachkurse</b> für Eltern", "proposed", 0),
    ]

    # A plain member cannot accept or add (forged buttons change nothing).
    async with world.sessionmaker() as session:
        first = (await session.exec(select(AgendaItem))).first()
    assert first is not None
    before = len(ada.bot_messages)
    await ada.press_data(notice.message_id, f"gi:a:{first.id}")
    await ada.press_data(notice.message_id, f"gm:a:{meeting.id}")
    await ada.press_data(notice.message_id, f"gm:v:{meeting.id}")
    await world.settle()
    assert len(ada.bot_messages) == before
    assert ada.callback_answers[-1].text == (
        "Only the coordinators of Bildung and the organisers can do that."
    )
    assert [s for _, s, _ in await _items(world)] == ["proposed", "proposed"]

    # Hana (German) accepts both, moves the second up, adds and edits her own, drops one.
    view = await world.send(hana, "/agenda")
    assert "<b>Sprachkurse</b> für Eltern (Oksana)" in view.text
    assert "Vorschläge schließen am Samstag, 9. Januar 2027, 17:00." in view.text
    view = await world.press(hana, "A ✅", message=view)
    view = await world.press(hana, "A ✅", message=view)
    view = await world.press(hana, "2 ⬆️", message=view)
    assert "1. <b>Sprachkurse</b> für Eltern\n2. Haushalt 2027 & Förderanträge" in view.text
    await world.press(hana, "➕ Punkt hinzufügen", message=view)
    view = await world.send(hana, "Verschiedenes")
    await world.press(hana, "3 ✏️", message=view)
    view = await world.send(hana, "Verschiedenes und Termine")
    await world.press(hana, "2 ✖️", message=view)
    assert await _items(world) == [
        ("Haushalt 2027 & Förderanträge", "dropped", 2),
        ("<b>Sprachkurse</b> für Eltern", "accepted", 1),
        ("Verschiedenes und Termine", "accepted", 3),
    ]

    # Proposals close 5 days before instead of 3.
    await world.press(hana, "⏳ Vorschlagsfrist", message=view)
    assert (await world.send(hana, "viele")).text == "Bitte senden Sie eine Zahl von 0 bis 30."
    done = await world.send(hana, "5")
    assert done.text == "Vorschläge schließen jetzt 5 Tage vor jedem Treffen von Bildung."
    async with world.sessionmaker() as session:
        group = (await session.exec(select(Group).where(Group.slug == "bildung"))).one()
        closing = (
            await session.exec(
                select(DueTask).where(
                    DueTask.kind == TaskKind.AGENDA_CLOSE, col(DueTask.cancelled).is_(False)
                )
            )
        ).all()
    assert group.agenda_close_days == 5
    assert [t.due_at for t in closing] == [datetime(2027, 1, 7, 16, 0, tzinfo=UTC)]

    # The 7-day reminder carries the agenda: the frame in each language, the items as written.
    await world.tick(datetime(2027, 1, 5, 9, 1, tzinfo=UTC) - world.clock.now())
    english = next(m for m in reversed(ada.chat) if "Reminder: Bildung meets" in m.text)
    assert "Agenda\n1. <b>Sprachkurse</b> für Eltern\n2. Verschiedenes und Termine" in (
        english.text
    )
    ukrainian = oksana.last
    assert "Порядок денний\n1. <b>Sprachkurse</b> für Eltern" in ukrainian.text

    # Proposals close: Hana is told; Ada can no longer propose.
    await world.tick(datetime(2027, 1, 7, 16, 1, tzinfo=UTC) - world.clock.now())
    assert hana.last.text.startswith(
        "⏳ Die Vorschläge für Bildung sind geschlossen; 0 warten auf Ihre Entscheidung."
    )
    await world.press(ada, "📝 Propose an agenda item", message=notice)
    assert ada.callback_answers[-1].text == "Proposals for this meeting are closed."
    assert len(await _items(world)) == 3


async def test_a_cancelled_meeting_ends_the_proposal(world: World) -> None:
    """Ada starts a proposal, the meeting is cancelled before she sends it: she is told once,
    nothing is stored, and her next message is no longer taken as a proposal. (Planted: without
    the check in record_input.take every later message answered "cancelled" again.)"""
    _, hana, (ada,) = await people(world, ("en",))
    await fix_meeting(world, hana, ada)
    notice = next(m for m in ada.chat if m.document is not None)
    await world.press(ada, "📝 Propose an agenda item", message=notice)
    await world.send(hana, "/meetings")
    await world.press(hana, "✖️ Cancel meeting")
    await world.press(hana, "✖️ Yes, cancel it")
    assert (await world.send(ada, "Haushalt")).text == "This meeting was cancelled."
    assert (await world.send(ada, "Haushalt")).text != "This meeting was cancelled."
    assert await _items(world) == []


async def test_a_long_agenda_is_split(world: World) -> None:
    """Ten items of 490 characters exceed one message: /agenda and the 7-day reminder send it
    in parts, every part within Telegram's limit, the buttons under the last one. (Planted:
    one text_part for the reminder: the 5,000-character reminder never arrived.)"""
    _, hana, (ada,) = await people(world, ("en",))
    meeting = await fix_meeting(world, hana, ada)
    async with world.sessionmaker.begin() as session:
        for n in range(10):
            await record_repo.add_agenda_item(
                session,
                meeting_id=meeting.id or 0,
                author_id=None,
                text=f"Punkt {n}: " + "Förderung " * 48,
                accepted=True,
                now=world.clock.now(),
            )
    before = len(ada.bot_messages)
    await world.send(ada, "/agenda")
    parts = ada.bot_messages[before:]
    assert len(parts) == 2
    assert all(len(p.text) <= 4096 for p in parts)
    assert parts[0].text.startswith("📋 Bildung: agenda") and parts[0].buttons == []
    assert parts[-1].button_labels == ["📝 Propose an agenda item"]
    assert "10. Punkt 9" in parts[-1].text
    before = len(ada.bot_messages)
    await world.tick(datetime(2027, 1, 5, 9, 1, tzinfo=UTC) - world.clock.now())
    reminder = ada.bot_messages[before:]
    assert len(reminder) == 2 and reminder[0].text.startswith("⏰ Reminder: Bildung meets")
    assert "✋ I'm here" in reminder[-1].button_labels


async def test_leaving_the_group_ends_the_proposal(world: World) -> None:
    """Ada starts a proposal and leaves the group before sending it: she is told once and her
    next message is read as usual again. (Planted: checking membership only inside the
    dialogue rolled the refusal back with the dialogue, so it repeated on every message.)"""
    _, hana, (ada,) = await people(world, ("en",))
    await fix_meeting(world, hana, ada)
    notice = next(m for m in ada.chat if m.document is not None)
    await world.press(ada, "📝 Propose an agenda item", message=notice)
    await world.send(ada, "/leave bildung")
    refusal = "Only members of this group can answer."
    assert (await world.send(ada, "Haushalt")).text == refusal
    assert (await world.send(ada, "Haushalt")).text != refusal
    assert await _items(world) == []
