"""The bot object: python-telegram-bot's ExtBot, sending only parameters each method takes."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.processing import slot_released
from domain.direction import EXPLICIT_FORMATTING

log = logging.getLogger(__name__)

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


#: How often a call is tried when Telegram is briefly unavailable, and the longest
#: ``retry_after`` waited for inside a call (longer waits are left to the caller).
ATTEMPTS = 6
MAX_RETRY_AFTER = 30.0

#: Taken out of every string of an update where it enters (see :func:`strip_controls`).
STRIPPED = frozenset("\x00" + EXPLICIT_FORMATTING)
_CONTROLS = re.compile("[" + re.escape("".join(sorted(STRIPPED))) + "]")

#: Takes a getUpdates batch: the parsed updates and the same as Telegram sent them, by id.
Receiver = Callable[[Sequence[Update], Mapping[int, dict[str, Any]]], Awaitable[None]]


class GremiumBot(ExtBot[None]):
    """ExtBot that sends only parameters a method takes, and rides out brief outages.

    A 429 waits Telegram's ``retry_after``; a timeout, dropped connection or 5xx is tried again
    after a short pause. Long polling is left alone. The outbox dispatcher adds its own,
    longer-lived retries on top for the messages the bot sends on its own.
    """

    _on_updates: Receiver | None = None
    _raw_updates: list[Any] | None = None

    def receive_updates_with(self, receive: Receiver) -> None:
        """Await ``receive`` with each batch from getUpdates, and the updates as Telegram sent
        them (by update_id), before the batch is handed on (the inbox stores it in one
        statement, before the next getUpdates confirms it)."""
        self._on_updates = receive

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """getUpdates, with the batch handed to the receiver first."""
        self._raw_updates = None
        updates = await super().get_updates(*args, **kwargs)
        raw: list[Any] = self._raw_updates or []
        self._raw_updates = None
        if updates and self._on_updates is not None:
            sent = {d["update_id"]: d for d in raw if isinstance(d, dict) and "update_id" in d}
            await self._on_updates(updates, sent)
        return updates

    async def redraw(
        self,
        text: str,
        *,
        chat_id: int,
        message_id: int,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """editMessageText for a message the bot draws itself (a poll and its tally): the call
        ``edit_message_text`` makes, without building a Message from Telegram's answer. A
        redraw has no use for it, and for a poll's keyboard building it costs about as much as
        the call itself; in a vote storm there is one redraw per voter."""
        parse_mode = self.defaults.parse_mode if self.defaults is not None else None
        await self._post(
            "editMessageText",
            {
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "parse_mode": parse_mode,
                "reply_markup": reply_markup,
            },
        )

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        if endpoint not in _PARSE_MODE_METHODS:
            data.pop("parse_mode", None)
        if endpoint == "getUpdates":
            result = await super()._do_post(endpoint, data, **kwargs)
            if isinstance(result, list):
                drop_echoed_keyboards(result)
                strip_controls(result)
                self._raw_updates = result
            return result
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await super()._do_post(endpoint, dict(data), **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if attempt == ATTEMPTS or wait > MAX_RETRY_AFTER:
                    raise
                log.warning("%s: Telegram asks to wait %.0f s", endpoint, wait)
                async with slot_released():  # others' updates go on meanwhile
                    await asyncio.sleep(wait)
            except (BadRequest, InvalidToken):
                raise
            except NetworkError as exc:
                if attempt == ATTEMPTS:
                    raise
                log.info("%s failed (%s); trying again", endpoint, exc)
                await asyncio.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")


def drop_echoed_keyboards(updates: list[Any]) -> None:
    """Take out the inline keyboard Telegram sends back with each button press.

    A callback query carries the message its button belongs to, keyboard and all. No handler
    reads that keyboard (a poll's is rebuilt from the database when it is redrawn), and
    python-telegram-bot would build an object for every one of its buttons: for a poll with
    five dates, most of the work of reading a press. Without it the update is read faster,
    and the inbox stores less of it.
    """
    for update in updates:
        query = update.get("callback_query") if isinstance(update, dict) else None
        message = query.get("message") if isinstance(query, dict) else None
        if isinstance(message, dict):
            message.pop("reply_markup", None)


def strip_controls(updates: list[Any]) -> None:
    """Take NUL and the explicit directional formatting characters out of what people sent,
    where updates enter.

    Telegram passes them through in texts, names and button data. PostgreSQL refuses a NUL in
    text columns: a group name, a place or an announcement with one would end in a database
    error. An override or isolate (U+202A–U+202E, U+2066–U+2069) in a name or a text would run
    on in every message that shows it to others: an RLO turns the rest of a member list's line
    around, a stray PDI ends the isolate right-to-left readers get around each value. The
    directional marks have no such reach and stay. Entity offsets (UTF-16, as Telegram counts)
    are moved to match.
    """
    for update in updates:
        if isinstance(update, dict):
            _clean(update)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROLS.sub("", value)
    if isinstance(value, list):
        value[:] = [_clean(item) for item in value]
        return value
    if not isinstance(value, dict):
        return value
    for text_key, entities_key in (("text", "entities"), ("caption", "caption_entities")):
        text = value.get(text_key)
        if isinstance(text, str) and _CONTROLS.search(text):
            _shift_entities(text, value.get(entities_key))
    for key, item in value.items():
        value[key] = _clean(item)
    return value


def _shift_entities(text: str, entities: Any) -> None:
    """Move ``entities`` of ``text`` to where they are once the controls are taken out."""
    if not isinstance(entities, list):
        return
    removed, position = [], 0
    for char in text:
        if char in STRIPPED:
            removed.append(position)
        position += 2 if ord(char) > 0xFFFF else 1
    kept = []
    for entity in entities:
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            kept.append(entity)
            continue
        before = sum(1 for n in removed if n < offset)
        inside = sum(1 for n in removed if offset <= n < offset + length)
        if length - inside > 0:
            kept.append({**entity, "offset": offset - before, "length": length - inside})
    entities[:] = kept


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
