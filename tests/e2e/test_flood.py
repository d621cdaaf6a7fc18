"""One member's flood of commands, with Telegram's flood limits on in the emulator: the flood is
cut off with one "slow down", the others are answered, and nothing is left for a replay."""

from __future__ import annotations

import logging

import pytest

from bot.processing import PER_PERSON
from storage import inbox
from tests.e2e.harness import World
from tests.e2e.helpers import consented

SLOW_DOWN = "You are sending messages faster than I can answer."


async def test_a_flood_is_cut_off_with_one_slow_down(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """100 /help from one member: at most ``PER_PERSON`` answers and one "slow down", another
    member's /help is answered, the flooder's next command too, and every update is marked
    handled. Planted bug: no per-person cap (``_flooding`` always false), which queues all 100
    answers behind the chat's one message a second (the test runs out of time)."""
    flooder = await consented(world, 5401, "Flo")
    other = await consented(world, 5402, "Otto")
    world.emu.enforce_limits = True
    flooded, heard = len(flooder.bot_messages), len(other.bot_messages)
    for _ in range(100):
        await flooder.send("/help")
    await other.send("/help")
    await world.settle(timeout=15)
    answers = [m.text for m in flooder.bot_messages[flooded:]]
    assert [t for t in answers if t.startswith(SLOW_DOWN)] == [answers[-1]]
    assert 1 <= len(answers) - 1 <= PER_PERSON
    assert "/groups" in other.bot_messages[heard].text
    assert world.processor.dropped == 100 - (len(answers) - 1)
    reply = await world.send(flooder, "/mygroups")
    assert not reply.text.startswith(SLOW_DOWN)
    assert reply.message_id > flooder.bot_messages[len(flooder.bot_messages) - 2].message_id
    async with world.sessionmaker() as session:
        assert await inbox.list_unhandled(session) == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_pressing_buttons_in_a_flood_is_answered_every_time(world: World) -> None:
    """Button presses beyond their (larger) cap are each answered with the slow-down notice (a
    press is always answered). Planted bug: a dropped press left unanswered."""
    flooder = await consented(world, 5411, "Flo")
    menu = await world.send(flooder, "/groups")
    label = menu.button_labels[0]
    before = len(flooder.callback_answers)
    for _ in range(200):
        await flooder.press(label, message=menu)
    await world.settle()
    assert len(flooder.callback_answers) == before + 200
    assert world.processor.dropped > 0
