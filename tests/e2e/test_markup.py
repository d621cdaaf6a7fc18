"""What people type is shown as they typed it: group names, member names, places, notes and
echoed commands with ``<``, ``&`` and ``<a href>`` in them never become markup (or break the
message), end to end through the emulator, which parses the bot's HTML as Telegram does."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from domain.direction import FSI, LRI, PDI, RLI
from sandbox.emulator import ChatMessage
from storage.models import Announcement, Group, Member, Poll
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented

GROUP = 'Jugend <18 & <a href="x">y</a>'
PERSON = '<b>Eve</b> & <a href="x">'
PLACE = 'Raum <1> & <a href="x">Keller</a>'
NOTE = "Bitte <i>pünktlich</i> & <a href='x'>hier</a>"
DATES = "12.01.2027 17:00\n14.01.2027 17:00"
RLO = "\u202e"  # right-to-left override


def _shows(message: ChatMessage, literal: str) -> None:
    """The message shows ``literal`` character for character, without links."""
    assert literal in message.text, message.text
    assert not [e for e in message.entities if e["type"] == "text_link"], message.entities


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_names_places_notes_and_commands_are_shown_literally(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A group, a coordinator's name, a place and a note full of markup, through /newgroup,
    /addcoordinator, /members, /settings, /poll, the preview and the members' poll message.
    Planted bug: ``group=group.name`` unescaped in /settings (handlers/polls/settings.py) and
    in the request for dates (handlers/polls/compose.py)."""
    admin = await consented(world, ADMIN_ID, "Olga")
    eve = await consented(world, 5301, PERSON, username="eve")
    member = await consented(world, 5302, "Mia")
    _shows(await world.send(admin, f"/newgroup {GROUP} | jugend"), GROUP)
    _shows(await world.send(admin, "/addcoordinator jugend @eve"), PERSON)
    await world.send(member, "/join jugend")
    listed = await world.send(eve, "/members jugend")
    _shows(listed, PERSON)
    _shows(listed, GROUP)
    _shows(await world.send(eve, "/settings jugend"), GROUP)
    await world.send(eve, "/poll")
    _shows(await world.press(eve, GROUP), GROUP)
    await world.send(eve, DATES)
    await world.press(eve, "📍 Place")
    await world.send(eve, PLACE)
    await world.press(eve, "📝 Note")
    preview = await world.send(eve, NOTE)
    for literal in (GROUP, PLACE, NOTE):
        _shows(preview, literal)
    send = next(label for label in preview.button_labels if label.startswith("✅ Send"))
    await world.press(eve, send)
    poll = next(m for m in reversed(member.bot_messages) if "when shall we meet" in m.text)
    for literal in (GROUP, PLACE, NOTE):
        _shows(poll, literal)
    await world.send(eve, "/announce")
    await world.press(eve, GROUP)
    await world.send(eve, "Treffen")
    await world.press(eve, "✅ Send")
    header = member.bot_messages[-1]
    _shows(header, f"{GROUP} · {PERSON}")
    _shows(await world.send(member, "/mygroups"), GROUP)
    rhythm = "Raum<1>&<b>K</b>"
    _shows(await world.send(eve, f"/schedule jugend place={rhythm}"), rhythm)
    assert _errors(caplog) == []


@pytest.mark.parametrize("command", ["/x<b>y</b>", "/x<b", "/x&amp;", '/x<a href="x">y</a>'])
async def test_an_unknown_command_is_echoed_literally(
    world: World, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    """The unknown command word is echoed as typed; ``/x<b`` no longer makes the reply fail.
    Planted bug: ``command=command`` unescaped in handlers/errors.py."""
    user = await consented(world, 5311, "Ben")
    reply = await world.send(user, command)
    _shows(reply, f"I do not know the command {command.split()[0]}.")
    assert not [e for e in reply.entities if e["type"] == "bold"]
    assert _errors(caplog) == []


async def test_nul_characters_are_taken_out_where_updates_enter(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A NUL in a group name, a poll's place and a formatted announcement is taken out before
    anything is stored (PostgreSQL refuses it in text), and the formatting stays on the right
    words. Planted bug: no ``strip_controls`` in ``GremiumBot._do_post`` (bot/telegram_bot.py)."""
    admin = await consented(world, ADMIN_ID, "Olga")
    member = await consented(world, 5321, "Mia\x00")
    created = await world.send(admin, "/newgroup Nacht\x00cafe | nacht")
    assert "Nachtcafe" in created.text
    await world.send(member, "/join nacht")
    await world.send(admin, "/poll")
    await world.press(admin, "Nachtcafe")
    await world.send(admin, DATES)
    await world.press(admin, "📍 Place")
    preview = await world.send(admin, "Rat\x00haus")
    assert "📍 Rathaus" in preview.text
    await world.send(admin, "/announce")
    await world.press(admin, "Nachtcafe")
    await admin.send_html("A\x00\x00b <b>fett</b> \x00 und <i>kursiv</i>")
    await world.settle()
    await world.press(admin, "✅ Send")
    shown = member.bot_messages[-1]
    assert "Ab fett  und kursiv" in shown.text
    assert "<b>fett</b>  und <i>kursiv</i>" in shown.html
    async with world.sessionmaker() as session:
        group = (await session.exec(select(Group).where(Group.slug == "nacht"))).one()
        poll = (await session.exec(select(Poll).where(Poll.group_id == group.id))).one()
        person = (await session.exec(select(Member).where(Member.telegram_id == 5321))).one()
    assert (group.name, poll.location, person.first_name) == ("Nachtcafe", "Rathaus", "Mia")
    assert _errors(caplog) == []


async def test_directional_overrides_and_isolates_are_taken_out_where_updates_enter(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A right-to-left override in a member's name, and isolates around a bold word of an
    announcement, are taken out before anything is stored: the member list a coordinator
    reading Arabic gets shows the name without the override, its own isolates balanced, and
    the announcement arrives with the bold on the same word. Planted bug: only NUL taken out
    in ``strip_controls`` (bot/telegram_bot.py)."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 5331, "Hana", language="ar", username="hana")
    mallory = await consented(world, 5332, f"Mal{RLO}lory")
    await world.send(admin, "/newgroup Nachtcafe | nacht")
    await world.send(admin, "/addcoordinator nacht @hana")
    await world.send(mallory, "/join nacht")
    listed = await world.send(hana, "/members nacht")
    assert RLO not in listed.text
    assert f"{FSI}Mallory{PDI}" in listed.text, listed.text
    assert listed.text.count(PDI) == sum(listed.text.count(c) for c in LRI + RLI + FSI)
    await world.send(admin, "/announce")
    await world.press(admin, "Nachtcafe")
    await admin.send_html(f"{LRI}{RLI}<b>{FSI}fett{PDI}</b>{PDI} und {PDI}<i>kursiv</i>")
    await world.settle()
    await world.press(admin, "✅ Send")
    shown = mallory.bot_messages[-1]
    assert "fett und kursiv" in shown.text
    assert "<b>fett</b> und <i>kursiv</i>" in shown.html
    async with world.sessionmaker() as session:
        person = (await session.exec(select(Member).where(Member.telegram_id == 5332))).one()
        stored = (await session.exec(select(Announcement))).one()
    assert person.first_name == "Mallory"
    assert "<b>fett</b> und <i>kursiv</i>" in (stored.text_html or "")
    assert _errors(caplog) == []
