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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from domain.clock import Clock
from domain.delivery import Limits, RateLimiter, backoff
from runtime.sending import send_part
from storage import outbox
from storage.db import SessionMaker
from storage.models import Delivery

log = logging.getLogger(__name__)

#: Retries inside one claim before the row goes back to the table with a longer delay.
QUICK_RETRIES = 5
#: Rounds (claims) after which a delivery is given up as failed.
MAX_ROUNDS = 8
#: Seconds a claim holds without renewal (renewed every quarter of it while the owner works).
LEASE = 15.0
#: Longest pause between two tries of writing "sent" marks while the database is away.
MARK_RETRY_CAP = 30.0


def dispatcher_name() -> str:
    """A name no other dispatcher has, now or later: host, process and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass
class DispatchStats:
    """Counters for reports, tests and the benchmark."""

    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    unreachable: int = 0
    failed: int = 0


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
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.limiter = RateLimiter(limits)
        self.paid_broadcast = paid_broadcast
        self.retry_base = retry_base
        self.lease = lease
        #: No other dispatcher can be running when this one starts (the instance lock of a
        #: SQLite database dies with its process): every claim left is taken back at start.
        self.exclusive = exclusive
        self.owner = owner or dispatcher_name()
        self.on_delivered = on_delivered
        self.on_failure = on_failure  # told what failed (for /status)
        self.stats = DispatchStats()
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._paused_until = 0.0
        self._claimed = 0  # rows claimed from the table and not finished yet
        self._unstarted: set[int] = set()  # claimed rows whose send has not begun
        self._claim_size = concurrency * 2
        #: Rows this dispatcher holds: claimed and not finished (sent but not marked included).
        self._held: set[int] = set()
        #: Monotonic time until which sends may start (half a lease after the last renewal).
        self._fresh_until = 0.0
        self._renewer: asyncio.Task[None] | None = None
        self._renewed = asyncio.Event()
        #: Held rows that were not started and turned out to be another's (never sent here).
        self._lost: set[int] = set()
        #: Sent deliveries waiting to be marked, and the task marking them (see _record_sent).
        self._finished: list[tuple[int, list[int], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

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
        self._renewer = asyncio.create_task(self._renew_loop(), name="outbox-leases")

    async def reclaim(self) -> int:
        """Give back to the table the claims whose lease ran out (the sweep calls this)."""
        async with self.sessionmaker.begin() as session:
            count = await outbox.reclaim_expired(
                session, now=self.clock.now(), keep=sorted(self._held)
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
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._writer is not None:  # the marks of sends that finished
            await asyncio.wait([self._writer], timeout=5)
            if not self._writer.done():
                log.error(
                    "outbox: %d sent deliveries could not be marked; their lease runs out and "
                    "they may be sent again",
                    len(self._finished),
                )
                self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
            self._renewer = None
        if self._unstarted:
            unstarted = sorted(self._unstarted)
            self._claimed -= len(unstarted)
            self._unstarted.clear()
            self._held.difference_update(unstarted)
            async with self.sessionmaker.begin() as session:
                await outbox.release(session, delivery_ids=unstarted, owner=self.owner)
        self._held.clear()  # what is left runs out its lease and is taken back by the sweep

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
                await self._slots.acquire()
                await self._wait_for_rate(delivery.chat_id)
                if not await self._lease_holds(delivery):
                    self._slots.release()
                    continue
                self._unstarted.discard(delivery.id or 0)
                task = asyncio.create_task(self._deliver(delivery))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _claim(self) -> list[Delivery]:
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
        if batch and not self._held:  # nothing held: the claim starts the lease afresh
            self._fresh_until = started + self.lease / 2
        self._claimed += len(batch)
        ids = [d.id for d in batch if d.id is not None]
        self._unstarted.update(ids)
        self._held.update(ids)
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

    # -- leases ------------------------------------------------------------------------------

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 4)
            try:
                await self._renew()
            except Exception as exc:  # the database is away: sends stop when the lease is stale
                log.warning("outbox: could not renew the lease of claimed deliveries: %r", exc)

    async def _renew(self) -> None:
        """Extend the lease of every row held; forget the unstarted ones lost meanwhile."""
        started = time.monotonic()
        if not self._held:
            self._fresh_until = started + self.lease / 2
            return
        now = self.clock.now()
        held = sorted(self._held)
        async with self.sessionmaker.begin() as session:
            still = await outbox.renew(
                session,
                owner=self.owner,
                delivery_ids=held,
                lease_until=now + timedelta(seconds=self.lease),
            )
        self._fresh_until = started + self.lease / 2
        self._renewed.set()
        lost = set(held) - still
        if lost:
            log.warning("outbox: %d claimed deliveries were taken over by another", len(lost))
            self._lost |= lost & self._unstarted

    async def _await_fresh_lease(self) -> None:
        """Return at once while the last renewal is recent; else wait for the next one."""
        while time.monotonic() > self._fresh_until:
            self._renewed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._renewed.wait(), timeout=self.lease / 8)

    async def _lease_holds(self, delivery: Delivery) -> bool:
        """Wait while the lease is stale (the database is away); False if the row was taken
        over meanwhile and must not be sent."""
        await self._await_fresh_lease()
        if delivery.id not in self._lost:
            return True
        log.warning("outbox: delivery %s was taken over by another; not sending", delivery.id)
        self._lost.discard(delivery.id)
        self._unstarted.discard(delivery.id)
        self._held.discard(delivery.id)
        self._claimed -= 1
        return False

    async def _wait_for_rate(self, chat_id: int) -> None:
        is_group = chat_id < 0
        slot: datetime | None = None  # the instant waited for
        while True:
            pause = self._paused_until - time.monotonic()
            now = _mono_now()
            allowed = self.limiter.next_allowed(chat_id, is_group, now)
            wait = max((allowed - now).total_seconds(), pause)
            if wait <= 0:
                # The send counts at its slot, not at the moment this task woke up: the small
                # delays of each wake-up would otherwise add up over a long broadcast.
                at = now if slot is None else self.limiter.next_allowed(chat_id, is_group, slot)
                self.limiter.record(chat_id, is_group, min(at, now))
                return
            slot = allowed if pause <= 0 else None  # after Telegram's pause: from now on
            await asyncio.sleep(wait)

    # -- one delivery ------------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        assert delivery.id is not None
        ids = list(delivery.message_ids or [])
        try:
            sent = await self._deliver_with_retries(delivery, ids)
        except Exception as exc:  # a bug must not leave the row claimed until the next start
            log.exception("outbox: delivery %s crashed", delivery.id)
            self._report(f"outbox: delivery {delivery.id} crashed ({type(exc).__name__})")
            sent = False
            with contextlib.suppress(Exception):  # if this fails too, the lease runs out
                await self._later(delivery, repr(exc))
        try:
            if sent:  # Telegram has it: from here on, never back to the table
                await self._finish(delivery, ids)
        except Exception:  # a bug after the send: logged; the row is marked or its lease ends
            log.exception("outbox: delivery %s: finishing after the send failed", delivery.id)
        finally:
            self._held.discard(delivery.id)
            self._claimed -= 1
            self._slots.release()

    async def _finish(self, delivery: Delivery, ids: list[int]) -> None:
        """Mark the sent delivery (retrying until the database takes it), pin, report."""
        assert delivery.id is not None
        await self._record_sent(delivery.id, ids)
        self.stats.sent += 1
        if delivery.pin and ids:
            await self._pin(delivery.chat_id, ids[0])
        if self.on_delivered is not None:
            self.on_delivered(delivery)

    async def _deliver_with_retries(self, delivery: Delivery, ids: list[int]) -> bool:
        """Send what is left of the delivery; True once Telegram has every part, False when
        the outcome (unreachable, failed, later) is already recorded."""
        assert delivery.id is not None
        tries = 0
        while True:
            try:
                await self._send_parts(delivery, ids)
                return True
            except RetryAfter as exc:
                self.stats.rate_limited += 1
                seconds = _seconds(exc.retry_after)
                self._paused_until = max(self._paused_until, time.monotonic() + seconds)
                log.warning("outbox: Telegram asks to wait %.0f s", seconds)
                await asyncio.sleep(seconds)
                await self._wait_for_rate(delivery.chat_id)
            except Forbidden:
                await self._unreachable(delivery)
                return False
            except ChatMigrated as exc:
                delivery.chat_id = exc.new_chat_id
                await self._wait_for_rate(delivery.chat_id)
            except BadRequest as exc:
                await self._failed(delivery, exc.message)
                return False
            except NetworkError as exc:  # timeouts, dropped connections, 5xx
                tries += 1
                self.stats.retried += 1
                if tries > QUICK_RETRIES:
                    await self._later(delivery, str(exc))
                    return False
                delay = backoff(tries, key=delivery.id, base=timedelta(seconds=self.retry_base))
                await asyncio.sleep(min(delay.total_seconds(), 10))
                await self._wait_for_rate(delivery.chat_id)

    async def _record_sent(self, delivery_id: int, message_ids: list[int]) -> None:
        """Mark a delivery sent. Deliveries that finish while a write is under way are marked
        together by the next one (group commit): a transaction per message made the database
        the bottleneck at high rates, while at low rates each is still written at once."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._finished.append((delivery_id, message_ids, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_finished(), name="outbox-marks")
        await done

    async def _write_finished(self) -> None:
        """Write the waiting marks; while the database refuses, try again with backoff (the
        rows stay held, their leases renewed, so nobody sends them again meanwhile)."""
        failures = 0
        while self._finished:
            batch, self._finished = self._finished, []
            try:
                async with self.sessionmaker.begin() as session:
                    await outbox.mark_sent_many(
                        session, sent=[(i, ids) for i, ids, _ in batch], now=self.clock.now()
                    )
            except Exception as exc:
                failures += 1
                self._finished = batch + self._finished
                log.warning(
                    "outbox: could not mark %d sent deliveries (%r); trying again",
                    len(batch),
                    exc,
                )
                self._report(f"outbox: could not mark sent deliveries ({type(exc).__name__})")
                delay = backoff(failures, key=batch[0][0], base=timedelta(seconds=self.retry_base))
                await asyncio.sleep(min(delay.total_seconds(), MARK_RETRY_CAP))
                continue
            failures = 0
            for *_, done in batch:
                if not done.done():  # else its delivery was cancelled (stop): marked anyway
                    done.set_result(None)

    async def _send_parts(self, delivery: Delivery, ids: list[int]) -> None:
        """Send the parts not sent yet; remember each one so a resume does not repeat it."""
        assert delivery.id is not None
        first = True
        for index in range(len(ids), len(delivery.payload)):
            part = delivery.payload[index]
            if not first:  # the first part waited for its turn before the task started
                await self._wait_for_rate(delivery.chat_id)
                await self._await_fresh_lease()
            first = False
            message = await self._call(delivery.chat_id, part)
            ids.append(message.message_id)
            if len(delivery.payload) > 1 and len(ids) < len(delivery.payload):
                await self._record_part(delivery.id, ids)

    async def _record_part(self, delivery_id: int, ids: list[int]) -> None:
        """Remember the parts sent so far, retrying with backoff (a resume must skip them)."""
        failures = 0
        while True:
            try:
                async with self.sessionmaker.begin() as session:
                    await outbox.record_part(
                        session, delivery_id=delivery_id, parts_sent=len(ids), message_ids=ids
                    )
                return
            except Exception as exc:
                failures += 1
                log.warning("outbox: could not record a part of %s (%r)", delivery_id, exc)
                delay = backoff(failures, key=delivery_id, base=timedelta(seconds=self.retry_base))
                await asyncio.sleep(min(delay.total_seconds(), MARK_RETRY_CAP))

    async def _call(self, chat_id: int, part: dict[str, Any]) -> Message:
        return await send_part(self.bot, chat_id, part, paid_broadcast=self.paid_broadcast)

    async def _pin(self, chat_id: int, message_id: int) -> None:
        try:
            await self.bot.pin_chat_message(chat_id, message_id, disable_notification=True)
        except (BadRequest, Forbidden) as exc:
            log.info("outbox: could not pin in chat %s: %s", chat_id, exc.message)

    async def _unreachable(self, delivery: Delivery) -> None:
        self.stats.unreachable += 1
        async with self.sessionmaker.begin() as session:
            await outbox.mark_chat_unreachable(
                session, chat_id=delivery.chat_id, now=self.clock.now()
            )
        log.info("outbox: chat %s blocked the bot", delivery.chat_id)
        if self.on_delivered is not None:
            self.on_delivered(delivery)

    async def _failed(self, delivery: Delivery, error: str) -> None:
        assert delivery.id is not None
        self.stats.failed += 1
        async with self.sessionmaker.begin() as session:
            await outbox.mark_failed(session, delivery_id=delivery.id, error=error)
        log.warning(
            "outbox: delivery %s to chat %s failed: %s", delivery.id, delivery.chat_id, error
        )
        self._report(f"outbox: delivery {delivery.id} to chat {delivery.chat_id} failed: {error}")
        if self.on_delivered is not None:
            self.on_delivered(delivery)

    def _report(self, what: str) -> None:
        if self.on_failure is not None:
            self.on_failure(what)

    async def _later(self, delivery: Delivery, error: str) -> None:
        """Quick retries did not help: back to the table for a later round, or give up."""
        assert delivery.id is not None
        rounds = delivery.attempts + 1
        if rounds >= MAX_ROUNDS:
            await self._failed(delivery, error)
            return
        delay = backoff(rounds, key=delivery.id, base=timedelta(minutes=1))
        async with self.sessionmaker.begin() as session:
            await outbox.mark_retry(
                session,
                delivery_id=delivery.id,
                not_before=self.clock.now() + delay,
                error=error,
                attempts=rounds,
            )


def _mono_now() -> datetime:
    """Monotonic time as an aware datetime, for the rate limiter's arithmetic."""
    return datetime.fromtimestamp(time.monotonic(), UTC)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
