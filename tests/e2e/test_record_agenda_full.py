"""The meeting record, a full agenda: the coordinators' view of many long items stays one
message (each text shortened; members still get them whole), its buttons keep working, and an
agenda takes at most 24 items and proposals together."""

from __future__ import annotations

from sqlmodel import col, select

from sandbox.emulator import UserHandle
from sandbox.emulator.views import ChatMessage
from storage import record as record_repo
from storage.models import Meeting, Member
from storage.record_models import AgendaItem
from tests.e2e.harness import World
from tests.e2e.record_helpers import fix_meeting, people

FULL_FOR_COORDINATORS = (
    "This agenda is full: at most 24 items and proposals together. Please drop one first."
)
FULL_FOR_MEMBERS = (
    "This agenda is full: at most 24 items and proposals together. Please talk to a coordinator "
    "of the group."
)


def _long(n: int) -> str:
    """A 490-character item, told apart by its number."""
    return f"Punkt {n}: " + "Förderung " * 48


async def _fill(world: World, meeting: Meeting, ada: UserHandle) -> None:
    """14 accepted items and 8 of Ada's proposals, each 490 characters long."""
    async with world.sessionmaker.begin() as session:
        author = (await session.exec(select(Member).where(Member.telegram_id == ada.id))).one()
        for n in range(22):
            await record_repo.add_agenda_item(
                session,
                meeting_id=meeting.id or 0,
                author_id=author.id,
                text=_long(n),
                accepted=n < 14,
                now=world.clock.now(),
            )


async def _entries(world: World) -> list[tuple[str, str]]:
    async with world.sessionmaker() as session:
        rows = (await session.exec(select(AgendaItem).order_by(col(AgendaItem.id)))).all()
    return [(r.text, str(r.status)) for r in rows]


def _fits(view: ChatMessage) -> None:
    """One message within Telegram's limit, every accepted item and proposal listed (cut)."""
    assert len(view.text.encode("utf-16-le")) // 2 <= 4096
    assert "Förderung Förderung…" in view.text and _long(0) not in view.text


async def test_a_full_agenda_stays_one_message(world: World) -> None:
    """Many long items: the coordinator's view arrives and is edited as one message; the 24th
    entry is the last. (Planted: the view without shortening: /agenda came in two parts, and
    accepting a proposal failed with "message is too long", the view unchanged.)"""
    _, hana, (ada,) = await people(world, ("en",))
    meeting = await fix_meeting(world, hana, ada)
    await _fill(world, meeting, ada)

    # Hana's view: one message, every item numbered, every proposal lettered, 82 buttons.
    before = len(hana.bot_messages)
    view = await world.send(hana, "/agenda")
    assert len(hana.bot_messages) == before + 1
    _fits(view)
    for n in range(14):
        assert f"\n{n + 1}. Punkt {n}: Förderung" in view.text
    for letter, n in zip("ABCDEFGH", range(14, 22), strict=True):
        assert f"\n{letter}. Punkt {n}: Förderung" in view.text
    assert "… (Ada)\n" in view.text
    assert sum(len(row) for row in view.buttons) == 14 * 4 + 8 * 3 + 2

    # Ada proposes the 23rd entry; she starts a 25th proposal; Hana adds the 24th.
    notice = next(m for m in ada.chat if m.document is not None)
    await world.press(ada, "📝 Propose an agenda item", message=notice)
    thanks = await world.send(ada, "Kurze Frage")
    assert thanks.text == "Thank you! The coordinators will look at your proposal."
    await world.press(ada, "📝 Propose an agenda item", message=notice)
    view = await world.press(hana, "➕ Add item", message=view)
    view = await world.send(hana, _long(99))
    _fits(view)
    assert "\n15. Punkt 99: Förderung" in view.text and "\nI. Kurze Frage (Ada)" in view.text

    # Full: Ada's typed proposal, another press, and Hana's "add" are refused.
    assert (await world.send(ada, "Noch eine Frage")).text == FULL_FOR_MEMBERS
    assert (await world.send(ada, "Noch eine Frage")).text != FULL_FOR_MEMBERS  # it ended
    await world.press(ada, "📝 Propose an agenda item", message=notice)
    assert ada.callback_answers[-1].text == FULL_FOR_MEMBERS
    await world.press(hana, "➕ Add item", message=view)
    assert hana.callback_answers[-1].text == FULL_FOR_COORDINATORS
    assert len(await _entries(world)) == 24

    # The buttons work on the full view, edited in place: accept, move, drop; then room again.
    edits = view.edited
    view = await world.press(hana, "A ✅", message=view)
    view = await world.press(hana, "16 ⬆️", message=view)
    view = await world.press(hana, "1 ✖️", message=view)
    assert view.edited == edits + 3
    _fits(view)
    assert "\n14. Punkt 14: Förderung" in view.text and "\n15. Punkt 99: Förderung" in view.text
    assert sum(len(row) for row in view.buttons) == 15 * 4 + 8 * 3 + 2
    await world.press(hana, "➕ Add item", message=view)
    assert (await world.send(hana, "Verschiedenes")).text.startswith("📋 Bildung: agenda")

    # The database holds every text whole; Ada's /agenda shows them whole, in parts.
    entries = await _entries(world)
    assert [s for _, s in entries].count("dropped") == 1 and len(entries) == 25
    assert [t for t, _ in entries[:22]] == [_long(n) for n in range(22)]
    before = len(ada.bot_messages)
    await world.send(ada, "/agenda")
    assert _long(14).strip() in "".join(m.text for m in ada.bot_messages[before:])
