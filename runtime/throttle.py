"""Edits of messages that show a tally: at most one per chat every few seconds."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Protocol

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError

log = logging.getLogger(__name__)

#: Renders the message as it should look now; None leaves it as it is.
Render = Callable[[], Awaitable[tuple[str, InlineKeyboardMarkup | None] | None]]


class Redrawer(Protocol):
    """What edits a message the bot draws itself (bot.telegram_bot.GremiumBot.redraw)."""

    async def redraw(
        self,
        text: str,
        *,
        chat_id: int,
        message_id: int,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None: ...


class EditThrottle:
    """Coalesces edit requests per chat: the first goes at once, later ones wait their turn.

    A request with ``settle`` (a voter's own copy of a poll) waits a third of the interval
    first, so a member who taps several answers in a row gets one edit for all of them; the
    answer to each tap already confirms what was saved."""

    def __init__(self, bot: Redrawer, interval: float = 3.0) -> None:
        self.bot = bot
        self.interval = interval
        self.edits: Counter[int] = Counter()  # edits made per chat (benchmark, tests)
        self._last: dict[int, float] = {}
        self._pending: dict[int, dict[int, Render]] = {}
        self._timers: dict[int, asyncio.Task[None]] = {}

    def request(
        self, chat_id: int, message_id: int, render: Render, *, settle: bool = False
    ) -> None:
        """Make sure the message is redrawn soon, however many requests come in."""
        self._pending.setdefault(chat_id, {})[message_id] = render
        if chat_id in self._timers:
            return
        wait = max(0.0, self._last.get(chat_id, -1e9) + self.interval - time.monotonic())
        if settle:
            wait = max(wait, self.interval / 3)
        self._timers[chat_id] = asyncio.create_task(self._fire(chat_id, wait))

    async def flush(self) -> None:
        """Wait until every requested edit is done (tests, sandbox, shutdown)."""
        while self._timers:
            await asyncio.gather(*list(self._timers.values()), return_exceptions=True)

    async def _fire(self, chat_id: int, wait: float) -> None:
        try:
            await asyncio.sleep(wait)
            renders = self._pending.pop(chat_id, {})
            for message_id, render in renders.items():
                await self._edit(chat_id, message_id, render)
            self._last[chat_id] = time.monotonic()
        finally:
            self._timers.pop(chat_id, None)
            if self._pending.get(chat_id):  # requests that came in while editing
                self._timers[chat_id] = asyncio.create_task(self._fire(chat_id, self.interval))

    async def _edit(self, chat_id: int, message_id: int, render: Render) -> None:
        try:
            view = await render()
            if view is None:
                return
            text, markup = view
            await self.bot.redraw(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
            self.edits[chat_id] += 1
        except BadRequest as exc:
            if "not modified" not in exc.message:
                log.info("edit in chat %s failed: %s", chat_id, exc.message)
        except (Forbidden, NetworkError) as exc:
            log.info("edit in chat %s failed: %s", chat_id, exc)
