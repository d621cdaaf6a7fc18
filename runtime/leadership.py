"""Leadership: any number of instances answer updates, exactly one sends and keeps the schedule.

The leader is the holder of the instance lock (:mod:`storage.locks`). It runs the outbox
dispatcher, the delivery reports and the periodic sweep; standbys only answer updates and try
to take the lock every few seconds. A leader that finds its lock gone steps down at once.

Taking over: every outbox claim has an owner and a lease (see :mod:`runtime.outbox`). A
leader that merely lost its lock connection may still be finishing sends; it keeps renewing
the leases of what it holds until it has stopped, so the new leader, which starts at once,
takes back only the claims whose lease ran out (a dead leader's) and never sends a message
the old one is sending. The sweep's work is claimed row by row and done exactly once whoever
runs it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from storage.locks import InstanceLock

log = logging.getLogger(__name__)


class Work(Protocol):
    """What the leader runs."""

    async def start(self) -> None:
        """Begin (called on election)."""
        ...

    async def stop(self) -> None:
        """End (called on stepping down)."""
        ...


class Leadership:
    """Holds the instance lock if it can, and runs ``work`` exactly while holding it."""

    def __init__(self, lock: InstanceLock, work: Work, *, interval: float = 5.0) -> None:
        self.lock = lock
        self.work = work
        self.interval = interval
        self.is_leader = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Try to lead right away, then keep checking (leader) or trying (standby)."""
        await self.step()
        self._task = asyncio.create_task(self._run(), name="leadership")

    async def stop(self) -> None:
        """Stop checking, step down if leading, and let go of the lock."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.is_leader:
            await self._step_down()
        await self.lock.release()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.step()

    async def step(self) -> None:
        """One check: step down if the lock is gone, or take over if it is free."""
        try:
            if self.is_leader:
                if not await self.lock.held():
                    log.warning("leadership: the lock is gone; stepping down")
                    await self._step_down()
            elif await self.lock.acquire():
                log.info("leadership: this instance leads now")
                self.is_leader = True
                await self.work.start()
        except Exception:  # the database is away: never leave the loop, try again next time
            log.exception("leadership: check failed")
            if self.is_leader:
                await self._abdicate()

    async def _step_down(self) -> None:
        self.is_leader = False
        await self.work.stop()
        log.info("leadership: this instance is standby now")

    async def _abdicate(self) -> None:
        """Step down after a failure, as far as possible, and let go of the lock."""
        try:
            await self._step_down()
        except Exception:
            log.exception("leadership: stepping down failed")
        try:
            await self.lock.release()
        except Exception:
            log.exception("leadership: releasing the lock failed")
