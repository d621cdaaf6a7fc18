"""Turning a stored payload part ({"method", "params"}) into a python-telegram-bot call."""

from __future__ import annotations

import base64
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message


def markup_from(bot: Bot, value: Any) -> InlineKeyboardMarkup | None:
    """A stored keyboard (dict) as a python-telegram-bot object."""
    if value is None or isinstance(value, InlineKeyboardMarkup):
        return value
    return InlineKeyboardMarkup.de_json(value, bot)


def _file(value: Any) -> Any:
    """A file_id stays as is; ``{"base64", "filename"}`` becomes an upload."""
    if isinstance(value, dict) and "base64" in value:
        return InputFile(base64.b64decode(value["base64"]), filename=value.get("filename"))
    return value


async def send_part(
    bot: Bot, chat_id: int, part: dict[str, Any], *, paid_broadcast: bool = False
) -> Message:
    """Send one part of a payload to ``chat_id``."""
    method, params = part["method"], dict(part["params"])
    common: dict[str, Any] = {
        "parse_mode": params.get("parse_mode"),
        "reply_markup": markup_from(bot, params.get("reply_markup")),
    }
    if paid_broadcast:
        common["allow_paid_broadcast"] = True
    if params.get("disable_notification"):
        common["disable_notification"] = True
    if method == "sendMessage":
        return await bot.send_message(chat_id, params["text"], **common)
    if method == "sendPhoto":
        return await bot.send_photo(
            chat_id, _file(params["photo"]), caption=params.get("caption"), **common
        )
    if method == "sendDocument":
        return await bot.send_document(
            chat_id, _file(params["document"]), caption=params.get("caption"), **common
        )
    raise ValueError(f"unsupported payload method {method}")
