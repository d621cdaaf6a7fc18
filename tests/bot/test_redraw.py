"""GremiumBot.redraw: the same editMessageText call as python-telegram-bot's edit_message_text
(the bot's HTML default included), checked against the Bot API; only Telegram's answer is not
built into a Message."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Defaults

from bot.request import AiohttpRequest
from bot.telegram_bot import GremiumBot
from domain.clock import FakeClock
from sandbox.emulator import Emulator, default_spec_path

SPEC = default_spec_path()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    """An emulator that checks every call against api.json where the file is at hand."""
    async with Emulator(clock=clock, spec_path=SPEC) as emulator:
        yield emulator


def _keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(x, callback_data=x) for x in labels]])


async def test_redraw_edits_text_and_buttons_as_edit_message_text_does(emu: Emulator) -> None:
    alice = emu.user(1001, "Alice")
    bot = GremiumBot(
        emu.token,
        base_url=f"{emu.api_root}/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML),
        request=AiohttpRequest(),
    )
    async with bot:
        sent = await bot.send_message(
            alice.id, "<b>17 of 28</b> answered", reply_markup=_keyboard("✅")
        )
        await bot.redraw(
            "<b>18 of 28</b> answered",
            chat_id=alice.id,
            message_id=sent.message_id,
            reply_markup=_keyboard("[✅]", "❌"),
        )
        assert alice.last is not None
        assert (alice.last.html, alice.last.edited) == ("<b>18 of 28</b> answered", 1)
        assert alice.last.button_labels == ["[✅]", "❌"]
        (call,) = [c for c in emu.calls if c.method == "editMessageText"]
        assert call.ok and set(call.params) == {
            "chat_id",
            "message_id",
            "text",
            "parse_mode",
            "reply_markup",
        }
        with pytest.raises(BadRequest, match="not modified"):  # the throttle lets this pass
            await bot.redraw(
                "<b>18 of 28</b> answered",
                chat_id=alice.id,
                message_id=sent.message_id,
                reply_markup=_keyboard("[✅]", "❌"),
            )
