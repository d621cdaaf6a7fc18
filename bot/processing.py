"""An update processor that knows when the bot is idle (used by tests, the sandbox and bench)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import SimpleUpdateProcessor

#: Updates handled at once (of different people). Handlers mostly wait for the database and
#: Telegram, so more than a core's worth keeps both busy; the database pool bounds the rest.
UPDATES_AT_ONCE = 64


class TrackingUpdateProcessor(SimpleUpdateProcessor):
    """Processes updates of different people concurrently, one person's in order, and counts
    those in progress (so tests, the sandbox and the benchmark know when the bot is idle).
    ``after`` is awaited once the handlers are done with an update (the inbox marks it)."""

    def __init__(self, max_concurrent_updates: int = UPDATES_AT_ONCE) -> None:
        super().__init__(max_concurrent_updates)
        self.after: Callable[[object], Awaitable[None]] | None = None
        self.in_progress = 0
        self.processed = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers for one update, after the same person's earlier ones."""
        self.in_progress += 1
        self._idle.clear()
        user = update.effective_user if isinstance(update, Update) else None
        key = user.id if user is not None else 0
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
                # Inside the lock: the person's next update starts only once this one is
                # marked, so a replay after a crash never re-applies an older update after a
                # newer one (a vote changed back to a previous answer).
                if self.after is not None:
                    await self.after(update)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]
            self.in_progress -= 1
            self.processed += 1
            if self.in_progress == 0:
                self._idle.set()

    async def wait_idle(self) -> None:
        """Return once no update is being processed."""
        await self._idle.wait()
