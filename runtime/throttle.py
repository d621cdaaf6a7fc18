"""Edits of messages that show a tally: at most one per chat every few seconds, at most
:data:`EDITS_PER_SECOND` in all, and never one that would leave the message as it is.

The throttle remembers what each message it drew shows (a fingerprint of its text and
keyboard; a message sent from the outbox is seeded from its payload with :meth:`seen`), so
an edit that changes nothing is not sent: Telegram refuses it ("message is not modified")
and counts it against the bot's limits all the same."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError

log = logging.getLogger(__name__)

#: Renders the message as it should look now; None leaves it as it is.
Render = Callable[[], Awaitable[tuple[str, InlineKeyboardMarkup | None] | None]]
#: Edits per second in all chats together: Telegram allows a bot about 30 messages a second,
#: and the outbox and the answers to button presses need some of them.
EDITS_PER_SECOND = 20.0
#: Messages whose look is remembered at most (the oldest are forgotten first).
REMEMBERED = 200_000


def fingerprint(text: str, markup: InlineKeyboardMarkup | dict[str, Any] | None) -> int:
    """What a message shows, as a number: equal for an equal text and keyboard."""
    data = markup.to_dict() if isinstance(markup, InlineKeyboardMarkup) else markup
    keyboard = json.dumps(data, sort_keys=True, ensure_ascii=False) if data else ""
    return hash((text, keyboard))


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

    def __init__(
        self, bot: Redrawer, interval: float = 3.0, per_second: float = EDITS_PER_SECOND
    ) -> None:
        self.bot = bot
        self.interval = interval
        self.edits: Counter[int] = Counter()  # edits made per chat (benchmark, tests)
        self.unchanged = 0  # edits not sent: the message shows that already
        self.not_modified = 0  # edits Telegram refused as changing nothing (should stay 0)
        self._gap = 1.0 / per_second
        self._next_slot = 0.0
        #: (chat, message) -> fingerprint of what the message shows, oldest first.
        self._shown: dict[tuple[int, int], int] = {}
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

    def seen(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup | dict[str, Any] | None,
    ) -> None:
        """The message was sent showing this (unless the throttle knows better already)."""
        if (chat_id, message_id) not in self._shown:
            self._remember((chat_id, message_id), fingerprint(text, markup))

    def shows(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Whether the message is known to show exactly this already."""
        return self._shown.get((chat_id, message_id)) == fingerprint(text, markup)

    def _remember(self, key: tuple[int, int], value: int) -> None:
        self._shown.pop(key, None)
        self._shown[key] = value
        if len(self._shown) > REMEMBERED:
            del self._shown[next(iter(self._shown))]

    async def flush(self) -> None:
        """Wait until every requested edit is done (tests, sandbox, shutdown)."""
        while self._timers:
            await asyncio.gather(*list(self._timers.values()), return_exceptions=True)

    async def _fire(self, chat_id: int, wait: float) -> None:
        try:
            await asyncio.sleep(wait)
            renders = self._pending.pop(chat_id, {})
            edited = False
            for message_id, render in renders.items():
                edited = await self._edit(chat_id, message_id, render) or edited
            if edited:
                self._last[chat_id] = time.monotonic()
        finally:
            self._timers.pop(chat_id, None)
            if self._pending.get(chat_id):  # requests that came in while editing
                self._timers[chat_id] = asyncio.create_task(self._fire(chat_id, self.interval))

    async def _edit(self, chat_id: int, message_id: int, render: Render) -> bool:
        """Redraw the message if it would change; True if an edit was sent."""
        key = (chat_id, message_id)
        view: tuple[str, InlineKeyboardMarkup | None] | None = None
        try:
            view = await render()
            if view is None or self._shown.get(key) == fingerprint(*view):
                self.unchanged += view is not None
                return False
            await self._slot()
            view = await render()  # the wait may have been long: draw what holds now
            if view is None or self._shown.get(key) == (shown := fingerprint(*view)):
                self.unchanged += view is not None
                return False
            text, markup = view
            await self.bot.redraw(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
            self.edits[chat_id] += 1
            self._remember(key, shown)
            return True
        except BadRequest as exc:
            if "not modified" in exc.message:
                self.not_modified += 1
                if view is not None:
                    self._remember(key, fingerprint(*view))
            else:
                log.info("edit in chat %s failed: %s", chat_id, exc.message)
        except (Forbidden, NetworkError) as exc:
            log.info("edit in chat %s failed: %s", chat_id, exc)
        return True

    async def _slot(self) -> None:
        """Wait for this edit's turn under the limit for all chats together."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._gap
        if slot > now:
            await asyncio.sleep(slot - now)
