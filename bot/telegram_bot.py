"""The bot object: python-telegram-bot's ExtBot, sending only parameters each method takes."""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot

# Methods that take ``parse_mode``. python-telegram-bot fills in the default parse mode for every
# method that shares its sending code (editMessageReplyMarkup too); Telegram ignores it there,
# but the Bot API does not list it, so it is left out.
_PARSE_MODE_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendPaidMedia",
        "editMessageCaption",
        "copyMessage",
        "sendPoll",
    }
)


class GremiumBot(ExtBot[None]):
    """ExtBot that drops parameters the called method does not take."""

    async def _do_post(  # type: ignore[override]
        self, endpoint: str, data: dict[str, Any], **kwargs: Any
    ) -> Any:
        if endpoint not in _PARSE_MODE_METHODS:
            data.pop("parse_mode", None)
        return await super()._do_post(endpoint, data, **kwargs)
