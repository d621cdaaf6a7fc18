"""GremiumBot.get_updates: a button press is read without the keyboard Telegram sends back
with it (no handler reads it); everything else of the update is kept, and the inbox gets the
update in the same shape. NUL and the explicit directional formatting characters are taken out
of every string, entity offsets following."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.request import AiohttpRequest
from bot.telegram_bot import GremiumBot, drop_echoed_keyboards, strip_controls
from domain.clock import FakeClock
from domain.direction import EXPLICIT_FORMATTING, FSI, LRI, PDI, RLI, RLM
from sandbox.emulator import Emulator, default_spec_path


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    async with Emulator(clock=clock, spec_path=default_spec_path()) as emulator:
        yield emulator


async def test_a_press_arrives_without_its_keyboard(emu: Emulator) -> None:
    alice = emu.user(1001, "Alice")
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(x, callback_data=f"pv:{x}:1") for x in "ymn"]]
    )
    received: list[tuple[Sequence[Update], Mapping[int, dict[str, Any]]]] = []

    async def receive(updates: Sequence[Update], sent: Mapping[int, dict[str, Any]]) -> None:
        received.append((updates, sent))

    bot = GremiumBot(emu.token, base_url=f"{emu.api_root}/bot", request=AiohttpRequest())
    bot.receive_updates_with(receive)
    stock = Bot(emu.token, base_url=f"{emu.api_root}/bot", request=AiohttpRequest())
    async with bot, stock:
        sent = await bot.send_message(alice.id, "When shall we meet?", reply_markup=keyboard)
        await alice.press("m", message=sent.message_id)
        await alice.send("/meetings")

        # Telegram (and so python-telegram-bot's own reading) includes the keyboard ...
        (as_sent, _) = await stock.get_updates(timeout=0)
        assert as_sent.callback_query is not None
        assert as_sent.callback_query.message is not None
        assert as_sent.callback_query.message.reply_markup == keyboard

        # ... Gremium's reading leaves it out, and keeps the rest.
        press, command = await bot.get_updates(timeout=0)
    query = press.callback_query
    assert query is not None and query.data == "pv:m:1" and query.from_user.id == alice.id
    message = query.message
    assert message is not None and message.reply_markup is None
    assert (message.chat.id, message.message_id) == (alice.id, sent.message_id)
    assert message.text == "When shall we meet?"  # type: ignore[union-attr]
    assert command.message is not None and command.message.text == "/meetings"
    ((updates, raw),) = received
    assert [u.update_id for u in updates] == [press.update_id, command.update_id]
    assert "reply_markup" not in raw[press.update_id]["callback_query"]["message"]
    assert raw[command.update_id]["message"]["text"] == "/meetings"


def test_only_the_keyboard_of_a_pressed_message_is_dropped() -> None:
    markup = {"inline_keyboard": [[{"text": "✅", "callback_data": "pv:y:1"}]]}
    updates: list[Any] = [
        {
            "update_id": 1,
            "callback_query": {"id": "q", "message": {"text": "t", "reply_markup": markup}},
        },
        {"update_id": 2, "message": {"text": "hi", "reply_markup": markup}},
        {"update_id": 3, "callback_query": {"id": "r", "inline_message_id": "abc"}},
        "not an update",
    ]
    drop_echoed_keyboards(updates)
    assert updates[0] == {"update_id": 1, "callback_query": {"id": "q", "message": {"text": "t"}}}
    assert updates[1]["message"]["reply_markup"] == markup
    assert updates[2] == {
        "update_id": 3,
        "callback_query": {"id": "r", "inline_message_id": "abc"},
    }
    assert updates[3] == "not an update"


def test_nul_is_taken_out_and_entities_follow() -> None:
    """NULs go from texts, captions, names and button data; entities after or around one move
    by as many UTF-16 units as were taken out before them (an emoji counts two). Planted bug:
    offsets left as Telegram sent them."""
    text = "😀\x00ab\x00 cd\x00"
    raw: list[Any] = [
        {
            "update_id": 1,
            "message": {
                "from": {"id": 7, "first_name": "A\x00n"},
                "text": text,
                "entities": [
                    {"type": "bold", "offset": 3, "length": 3},  # "ab\x00"
                    {"type": "italic", "offset": 7, "length": 2},  # "cd"
                    {"type": "code", "offset": 9, "length": 1},  # the NUL alone
                ],
            },
        },
        {"update_id": 2, "callback_query": {"data": "v\x00:1", "message": {"caption": "\x00x"}}},
    ]
    strip_controls(raw)
    message = raw[0]["message"]
    assert message["text"] == "😀ab cd"
    assert message["from"]["first_name"] == "An"
    assert message["entities"] == [
        {"type": "bold", "offset": 2, "length": 2},
        {"type": "italic", "offset": 5, "length": 2},
    ]
    assert raw[1]["callback_query"]["data"] == "v:1"
    assert raw[1]["callback_query"]["message"]["caption"] == "x"


LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRM, ALM, NUL = "\u200e", "\u061c", "\x00"


def test_the_nine_directional_formatting_characters_are_taken_out() -> None:
    """Embeddings, overrides and isolates go from texts, names, titles and button data, the
    marks (LRM, RLM, ALM) stay. Planted bug: only NUL taken out."""
    assert EXPLICIT_FORMATTING == LRE + RLE + PDF + LRO + RLO + LRI + RLI + FSI + PDI
    raw: list[Any] = [
        {
            "update_id": 1,
            "message": {
                "from": {"id": 7, "first_name": f"Mal{RLO}lory", "last_name": f"{LRM}X{RLM}"},
                "chat": {"id": 7, "type": "private", "title": f"{LRE}{RLE}a{PDF}"},
                "text": f"{LRI}{RLI}{FSI}x{PDI}{ALM}y{LRO}",
            },
        },
        {"update_id": 2, "callback_query": {"data": f"v:{PDI}1", "from": {"id": 7}}},
    ]
    strip_controls(raw)
    message = raw[0]["message"]
    assert message["from"] == {"id": 7, "first_name": "Mallory", "last_name": f"{LRM}X{RLM}"}
    assert message["chat"]["title"] == "a"
    assert message["text"] == f"x{ALM}y"
    assert raw[1]["callback_query"]["data"] == "v:1"


def test_entities_move_past_taken_out_directional_characters() -> None:
    """An entity moves left by the controls before it (by UTF-16 units; an emoji counts two)
    and shrinks by those inside it; one holding only controls is dropped; one over a kept
    mark keeps its length. Planted bug: offsets left as Telegram sent them."""
    text = f"😀{LRI}{NUL}ab{PDI} {RLO}cd{RLM}{FSI}{PDI}"
    raw: list[Any] = [
        {
            "update_id": 1,
            "message": {
                "caption": text,
                "caption_entities": [
                    {"type": "bold", "offset": 2, "length": 5},  # LRI NUL a b PDI
                    {"type": "italic", "offset": 8, "length": 4},  # RLO c d RLM
                    {"type": "code", "offset": 12, "length": 2},  # FSI PDI alone
                    {"type": "url", "offset": 0, "length": 2},  # the emoji
                ],
            },
        },
    ]
    strip_controls(raw)
    message = raw[0]["message"]
    assert message["caption"] == f"😀ab cd{RLM}"
    assert message["caption_entities"] == [
        {"type": "bold", "offset": 2, "length": 2},
        {"type": "italic", "offset": 5, "length": 3},
        {"type": "url", "offset": 0, "length": 2},
    ]
