"""The dispatcher: sends what the outbox holds, within Telegram's limits, and survives faults.

One asyncio task claims due rows, waits for the rate limiter, and sends each row in its own task.
A 429 pauses all sending for Telegram's ``retry_after``; timeouts, dropped connections and 5xx
are retried with backoff; a 403 marks the member unreachable.

Claims have an owner and a lease. The dispatcher claims rows under its own name until
``now + lease``, renews the lease of what it holds every quarter of it, and starts a send only
while its last renewal is younger than half the lease, so a dispatcher cut off from the
database stops sending before anyone may take its rows over. A row whose lease ran out (its
dispatcher died) goes back to the table at the next sweep (:meth:`Dispatcher.reclaim`); a new
leader takes back only such expired claims, never those of an old leader still at work. Once
Telegram accepted a message, the row is never put back: the "sent" mark is retried with
backoff until the database takes it, and the row stays claimed (and its lease renewed) until
then. A message is sent twice only if its dispatcher died within a moment of sending it.

The parts: :mod:`runtime.outbox_leases` (claims held and their leases),
:mod:`runtime.outbox_rate` (pacing), :mod:`runtime.outbox_delivery` (one delivery, its
retries and outcome) and :mod:`runtime.outbox_marks` (the "sent" marks, written in groups).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot

from domain.clock import Clock
from domain.delivery import Limits, RateLimiter
from runtime.outbox_delivery import Courier, DispatchStats
from runtime.outbox_leases import LEASE, Leases
from runtime.outbox_marks import SentMarks
from runtime.outbox_rate import RateGate
from storage import outbox
from storage.db import SessionMaker
from storage.models import Delivery

log = logging.getLogger(__name__)


def dispatcher_name() -> str:
    """A name no other dispatcher has, now or later: host, process and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class Dispatcher:
    """Works through the outbox until stopped."""

    def __init__(
        self,
        *,
        bot: Bot,
        sessionmaker: SessionMaker,
        clock: Clock,
        limits: Limits | None = None,
        paid_broadcast: bool = False,
        concurrency: int = 32,
        retry_base: float = 0.5,
        lease: float = LEASE,
        exclusive: bool = False,
        owner: str | None = None,
        on_delivered: Callable[[Delivery], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.limiter = RateLimiter(limits)
        self.lease = lease
        #: No other dispatcher can be running when this one starts (the instance lock of a
        #: SQLite database dies with its process): every claim left is taken back at start.
        self.exclusive = exclusive
        self.owner = owner or dispatcher_name()
        self.on_failure = on_failure  # told what failed (for /status)
        self.stats = DispatchStats()
        self._gate, self._leases, self._marks, self._courier = self._make_parts(
            bot, lease, paid_broadcast, retry_base, on_delivered
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._claim_size = concurrency * 2
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._claimed = 0  # rows claimed from the table and not finished yet

    def _make_parts(
        self,
        bot: Bot,
        lease: float,
        paid_broadcast: bool,
        retry_base: float,
        on_delivered: Callable[[Delivery], None] | None,
    ) -> tuple[RateGate, Leases, SentMarks, Courier]:
        """The pacing, the leases, the "sent" marks and the sender of single deliveries, which
        shares the other three."""
        gate = RateGate(self.limiter)
        leases = Leases(
            sessionmaker=self.sessionmaker, clock=self.clock, owner=self.owner, lease=lease
        )
        marks = SentMarks(
            sessionmaker=self.sessionmaker,
            clock=self.clock,
            retry_base=retry_base,
            report=self._report,
        )
        courier = Courier(
            bot=bot,
            sessionmaker=self.sessionmaker,
            clock=self.clock,
            gate=gate,
            leases=leases,
            marks=marks,
            stats=self.stats,
            paid_broadcast=paid_broadcast,
            retry_base=retry_base,
            on_delivered=on_delivered,
            report=self._report,
        )
        return gate, leases, marks, courier

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Take back the claims nobody holds any more, then start working."""
        async with self.sessionmaker.begin() as session:
            if self.exclusive:
                released = await outbox.release_in_flight(session)
            else:
                released = await outbox.reclaim_expired(session, now=self.clock.now())
        if released:
            log.warning(
                "outbox: %d deliveries were in flight at the last stop; sending again", released
            )
        self._runner = asyncio.create_task(self._run(), name="outbox-dispatcher")
        self._renewer = asyncio.create_task(self._leases.renew_loop(), name="outbox-leases")

    async def reclaim(self) -> int:
        """Give back to the table the claims whose lease ran out (the sweep calls this)."""
        async with self.sessionmaker.begin() as session:
            count = await outbox.reclaim_expired(
                session, now=self.clock.now(), keep=sorted(self._leases.held)
            )
        if count:
            log.warning(
                "outbox: %d deliveries were orphaned (lease expired); sending again", count
            )
            self.wake()
        return count

    async def stop(self) -> None:
        """Stop claiming; let the sends under way finish (briefly); give back the rows whose
        send never began, so whoever sends next need not wait for them."""
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        await self._finish_sends()
        await self._marks.close()  # the marks of sends that finished
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
            self._renewer = None
        if unstarted := self._leases.take_unstarted():
            self._claimed -= len(unstarted)
            async with self.sessionmaker.begin() as session:
                await outbox.release(session, delivery_ids=unstarted, owner=self.owner)
        self._leases.held.clear()  # what is left runs out its lease and is taken back by the sweep

    async def _finish_sends(self) -> None:
        """Give the sends under way a few seconds to finish, then cancel the rest."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def wake(self) -> None:
        """New rows were written: look at the table now instead of at the next tick."""
        self._wake.set()

    @property
    def busy(self) -> bool:
        """Whether claimed rows are waiting for their turn or being sent."""
        return self._claimed > 0

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until nothing due is left and nothing is in flight (tests, sandbox, bench)."""
        async with asyncio.timeout(timeout):
            while True:
                self.wake()
                await asyncio.sleep(0.01)
                if self._claimed:
                    continue
                async with self.sessionmaker() as session:
                    due = await outbox.next_due(session)
                if (due is None or due > self.clock.now()) and not self._claimed:
                    return

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        """Claim due rows and start a send for each in turn, until cancelled."""
        while True:
            try:
                batch = await self._claim()
            except Exception as exc:  # the database is away: log, wait, try again; never stop
                log.exception("outbox: could not claim deliveries")
                self._report(f"outbox: could not claim deliveries ({type(exc).__name__})")
                await asyncio.sleep(2)
                continue
            if not batch:
                await self._idle_wait()
                continue
            for delivery in batch:
                await self._start_send(delivery)

    async def _start_send(self, delivery: Delivery) -> None:
        """Wait for a free slot, the chat's turn and a fresh lease, then send in a new task."""
        await self._slots.acquire()
        await self._gate.wait(delivery.chat_id)
        if not await self._lease_holds(delivery):
            self._slots.release()
            return
        self._leases.unstarted.discard(delivery.id or 0)
        task = asyncio.create_task(self._deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _claim(self) -> list[Delivery]:
        """Claim a batch of due rows under this dispatcher's name and lease."""
        started = time.monotonic()
        now = self.clock.now()
        async with self.sessionmaker.begin() as session:
            batch = await outbox.claim_due(
                session,
                now=now,
                limit=self._claim_size,
                owner=self.owner,
                lease_until=now + timedelta(seconds=self.lease),
            )
        self._claimed += len(batch)
        self._leases.hold([d.id for d in batch if d.id is not None], started)
        return batch

    async def _idle_wait(self) -> None:
        """Sleep until woken, or until the next row is due (at most a few seconds)."""
        self._wake.clear()
        async with self.sessionmaker() as session:
            due = await outbox.next_due(session)
        delay = 2.0
        if due is not None:
            delay = max(0.0, min(delay, (due - self.clock.now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay or 0.05)

    async def _lease_holds(self, delivery: Delivery) -> bool:
        """Wait while the lease is stale (the database is away); False if the row was taken
        over meanwhile and must not be sent."""
        await self._leases.await_fresh()
        if self._leases.take_lost(delivery.id):
            self._claimed -= 1
            return False
        return True

    # -- one delivery ------------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        """Send one delivery and record its outcome; whatever happens, free its slot."""
        assert delivery.id is not None
        ids = list(delivery.message_ids or [])
        try:
            sent = await self._courier.deliver_with_retries(delivery, ids)
        except Exception as exc:  # a bug must not leave the row claimed until the next start
            log.exception("outbox: delivery %s crashed", delivery.id)
            self._report(f"outbox: delivery {delivery.id} crashed ({type(exc).__name__})")
            sent = False
            with contextlib.suppress(Exception):  # if this fails too, the lease runs out
                await self._courier.later(delivery, repr(exc))
        try:
            if sent:  # Telegram has it: from here on, never back to the table
                await self._courier.finish(delivery, ids)
        except Exception:  # a bug after the send: logged; the row is marked or its lease ends
            log.exception("outbox: delivery %s: finishing after the send failed", delivery.id)
        finally:
            self._leases.held.discard(delivery.id)
            self._claimed -= 1
            self._slots.release()

    def _report(self, what: str) -> None:
        """Tell whoever listens (for /status) what failed."""
        if self.on_failure is not None:
            self.on_failure(what)
