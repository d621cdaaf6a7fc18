"""An update processor that knows when the bot is idle (used by tests, the sandbox and bench)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram.ext import SimpleUpdateProcessor


class TrackingUpdateProcessor(SimpleUpdateProcessor):
    """Processes updates concurrently (bounded) and counts those in progress."""

    def __init__(self, max_concurrent_updates: int = 8) -> None:
        super().__init__(max_concurrent_updates)
        self.in_progress = 0
        self.processed = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers for one update, keeping count."""
        self.in_progress += 1
        self._idle.clear()
        try:
            await coroutine
        finally:
            self.in_progress -= 1
            self.processed += 1
            if self.in_progress == 0:
                self._idle.set()

    async def wait_idle(self) -> None:
        """Return once no update is being processed."""
        await self._idle.wait()
