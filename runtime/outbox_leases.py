"""Lease bookkeeping of the outbox: the rows a dispatcher holds, renewed while it works."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from domain.clock import Clock
from storage import outbox
from storage.db import SessionMaker

log = logging.getLogger("runtime.outbox")  # the dispatcher's log, as before the split

#: Seconds a claim holds without renewal (renewed every quarter of it while the owner works).
LEASE = 15.0


class Leases:
    """The rows a dispatcher holds, and whether its lease is fresh enough to start a send."""

    def __init__(
        self, *, sessionmaker: SessionMaker, clock: Clock, owner: str, lease: float
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.owner = owner
        self.lease = lease
        #: Rows this dispatcher holds: claimed and not finished (sent but not marked included).
        self.held: set[int] = set()
        self.unstarted: set[int] = set()  # claimed rows whose send has not begun
        #: Held rows that were not started and turned out to be another's (never sent here).
        self.lost: set[int] = set()
        #: Monotonic time until which sends may start (half a lease after the last renewal).
        self.fresh_until = 0.0
        self.renewed = asyncio.Event()

    def hold(self, ids: list[int], started: float) -> None:
        """Take on freshly claimed rows (claimed at monotonic time ``started``)."""
        if ids and not self.held:  # nothing held: the claim starts the lease afresh
            self.fresh_until = started + self.lease / 2
        self.unstarted.update(ids)
        self.held.update(ids)

    async def renew_loop(self) -> None:
        """Renew the leases every quarter of a lease, until cancelled."""
        while True:
            await asyncio.sleep(self.lease / 4)
            try:
                await self.renew()
            except Exception as exc:  # the database is away: sends stop when the lease is stale
                log.warning("outbox: could not renew the lease of claimed deliveries: %r", exc)

    async def renew(self) -> None:
        """Extend the lease of every row held; forget the unstarted ones lost meanwhile."""
        started = time.monotonic()
        if not self.held:
            self.fresh_until = started + self.lease / 2
            return
        now = self.clock.now()
        held = sorted(self.held)
        async with self.sessionmaker.begin() as session:
            still = await outbox.renew(
                session,
                owner=self.owner,
                delivery_ids=held,
                lease_until=now + timedelta(seconds=self.lease),
            )
        self.fresh_until = started + self.lease / 2
        self.renewed.set()
        lost = set(held) - still
        if lost:
            log.warning("outbox: %d claimed deliveries were taken over by another", len(lost))
            self.lost |= lost & self.unstarted

    async def await_fresh(self) -> None:
        """Return at once while the last renewal is recent; else wait for the next one."""
        while time.monotonic() > self.fresh_until:
            self.renewed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.renewed.wait(), timeout=self.lease / 8)

    def take_lost(self, delivery_id: int | None) -> bool:
        """Whether the row was taken over by another; if so, stop holding it."""
        if delivery_id not in self.lost:
            return False
        log.warning("outbox: delivery %s was taken over by another; not sending", delivery_id)
        self.lost.discard(delivery_id)
        self.unstarted.discard(delivery_id)
        self.held.discard(delivery_id)
        return True

    def take_unstarted(self) -> list[int]:
        """Stop holding the rows whose send never began, and return them to give back."""
        unstarted = sorted(self.unstarted)
        self.unstarted.clear()
        self.held.difference_update(unstarted)
        return unstarted
