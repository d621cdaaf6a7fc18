"""The update processor: fair to everyone, and knows when the bot is idle (used by tests, the
sandbox and bench).

Each person's updates are handled in order, one at a time, and a person may have only a few
waiting: a flood of commands from one member is cut off with one "slow down" answer rather than
queued behind Telegram's limit of one message a second per chat. Only once it is a person's
turn does their update take one of the slots shared by everyone, and it gives that slot back
while it waits out a 429 (see :func:`slot_released`), so one member can never hold up the others.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import SimpleUpdateProcessor

log = logging.getLogger(__name__)

#: Updates handled at once (of different people). Handlers mostly wait for the database and
#: Telegram, so more than a core's worth keeps both busy; the database pool bounds the rest.
UPDATES_AT_ONCE = 64
#: Updates one person may have waiting or in hand; more are dropped (a person taps and types
#: far slower than the bot answers, unless the chat's one message a second holds the answers).
PER_PERSON = 4
#: The same for button presses: they are answered without a chat message, and a member may
#: tap through a poll of twelve dates faster than a busy bot records the votes.
PRESSES_PER_PERSON = 32
#: python-telegram-bot takes a slot of its own before the processor sees the update; that one
#: is made wide enough never to hold an update back, the real slots are taken in turn.
_UNBOUNDED = 1_000_000


class _Slot:
    """One of the shared slots, held by one update (given back and taken again around a wait)."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self.slots = slots
        self.held = False

    async def take(self) -> None:
        await self.slots.acquire()
        self.held = True

    def give(self) -> None:
        if self.held:
            self.held = False
            self.slots.release()


_current: ContextVar[_Slot | None] = ContextVar("gremium_update_slot", default=None)


@asynccontextmanager
async def slot_released() -> AsyncIterator[None]:
    """Give the current update's slot to others while waiting (a 429's ``retry_after``), and
    take one again afterwards. Outside an update it does nothing."""
    slot = _current.get()
    if slot is None or not slot.held:
        yield
        return
    slot.give()
    try:
        yield
    finally:
        await slot.take()


class TrackingUpdateProcessor(SimpleUpdateProcessor):
    """Processes updates of different people concurrently, one person's in order, at most
    ``per_person`` of them waiting (``presses_per_person`` for button presses), and counts
    those in progress (so tests, the sandbox and the benchmark know when the bot is idle).

    ``after`` is awaited once the handlers are done with an update, also a dropped one (the
    inbox marks it). ``slow_down`` answers the first update dropped from a person (and every
    dropped button press, which must be answered); ``keep`` names updates never dropped (those
    replayed after a restart)."""

    def __init__(
        self,
        max_concurrent_updates: int = UPDATES_AT_ONCE,
        per_person: int = PER_PERSON,
        presses_per_person: int = PRESSES_PER_PERSON,
    ) -> None:
        super().__init__(_UNBOUNDED)
        self.per_person = per_person
        self.presses_per_person = presses_per_person
        self.after: Callable[[object], Awaitable[None]] | None = None
        self.slow_down: Callable[[Update], Awaitable[None]] | None = None
        self.keep: Callable[[object], bool] | None = None
        self.in_progress = 0
        self.processed = 0
        #: Updates dropped because their sender had too many waiting.
        self.dropped = 0
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._idle = asyncio.Event()
        self._idle.set()
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._warned: set[int] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers for one update after the same person's earlier ones, or drop it
        when the person has too many waiting."""
        self.in_progress += 1
        self._idle.clear()
        user = update.effective_user if isinstance(update, Update) else None
        key = user.id if user is not None else 0
        try:
            if self._flooding(update, key) and not (self.keep is not None and self.keep(update)):
                await self._drop(update, coroutine, key)
            else:
                await self._in_turn(update, coroutine, key)
        finally:
            self.in_progress -= 1
            self.processed += 1
            if self.in_progress == 0:
                self._idle.set()

    def _flooding(self, update: object, key: int) -> bool:
        press = isinstance(update, Update) and update.callback_query is not None
        cap = self.presses_per_person if press else self.per_person
        return key != 0 and self._waiting.get(key, 0) >= cap

    async def _in_turn(self, update: object, work: Awaitable[Any], key: int) -> None:
        """Wait for the person's turn, then for a shared slot; run, and mark."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self._in_slot(work)
                # Inside the lock: the person's next update starts only once this one is
                # marked, so a replay after a crash never re-applies an older update after a
                # newer one (a vote changed back to a previous answer).
                if self.after is not None:
                    await self.after(update)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]
                self._warned.discard(key)

    async def _in_slot(self, work: Awaitable[Any]) -> None:
        slot = _Slot(self._slots)
        await slot.take()
        token = _current.set(slot)
        try:
            await work
        finally:
            _current.reset(token)
            slot.give()

    async def _drop(self, update: object, coroutine: Awaitable[Any], key: int) -> None:
        """Leave the update unhandled; the person hears "slow down" once per flood."""
        if inspect.iscoroutine(coroutine):
            coroutine.close()
        self.dropped += 1
        log.info("update dropped: person %s has %d waiting", key, self._waiting.get(key, 0))
        assert isinstance(update, Update)  # only a person's updates are dropped
        if self.slow_down is not None and update.callback_query is not None:
            await self._in_slot(self.slow_down(update))  # a press is always answered
        elif self.slow_down is not None and key not in self._warned:
            self._warned.add(key)
            # After the answers to what is waiting, so the chat shows it last.
            await self._in_turn(update, self.slow_down(update), key)
            return
        if self.after is not None:
            await self.after(update)

    async def wait_idle(self) -> None:
        """Return once no update is being processed."""
        await self._idle.wait()
