"""The dispatcher: sends what the outbox holds, within Telegram's limits, and survives faults.

One asyncio task claims due rows, waits for the rate limiter, and sends each row in its own task.
A 429 pauses all sending for Telegram's ``retry_after``; timeouts, dropped connections and 5xx
are retried with backoff; a 403 marks the member unreachable. Rows claimed but not finished when
the process dies are sent again at the next start, so a message is sent twice only if it was in
flight at that moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
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
        on_delivered: Callable[[Delivery], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.limiter = RateLimiter(limits)
        self.paid_broadcast = paid_broadcast
        self.retry_base = retry_base
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
        #: Sent deliveries waiting to be marked, and the task marking them (see _record_sent).
        self._finished: list[tuple[int, list[int], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Release rows a crash left in flight, then start working."""
        async with self.sessionmaker.begin() as session:
            released = await outbox.release_in_flight(session)
        if released:
            log.warning(
                "outbox: %d deliveries were in flight at the last stop; sending again", released
            )
        self._runner = asyncio.create_task(self._run(), name="outbox-dispatcher")

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
            await asyncio.gather(self._writer, return_exceptions=True)
        if self._unstarted:
            async with self.sessionmaker.begin() as session:
                await outbox.release(session, delivery_ids=sorted(self._unstarted))
            self._claimed -= len(self._unstarted)
            self._unstarted.clear()

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
                self._unstarted.discard(delivery.id or 0)
                task = asyncio.create_task(self._deliver(delivery))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _claim(self) -> list[Delivery]:
        async with self.sessionmaker.begin() as session:
            batch = await outbox.claim_due(session, now=self.clock.now(), limit=self._claim_size)
        self._claimed += len(batch)
        self._unstarted.update(d.id for d in batch if d.id is not None)
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
        try:
            await self._deliver_with_retries(delivery)
        except Exception as exc:  # a bug must not leave the row claimed until the next start
            log.exception("outbox: delivery %s crashed", delivery.id)
            self._report(f"outbox: delivery {delivery.id} crashed ({type(exc).__name__})")
            await self._later(delivery, repr(exc))
        finally:
            self._claimed -= 1
            self._slots.release()

    async def _deliver_with_retries(self, delivery: Delivery) -> None:
        assert delivery.id is not None
        ids = list(delivery.message_ids or [])
        tries = 0
        while True:
            try:
                await self._send_parts(delivery, ids)
                break
            except RetryAfter as exc:
                self.stats.rate_limited += 1
                seconds = _seconds(exc.retry_after)
                self._paused_until = max(self._paused_until, time.monotonic() + seconds)
                log.warning("outbox: Telegram asks to wait %.0f s", seconds)
                await asyncio.sleep(seconds)
                await self._wait_for_rate(delivery.chat_id)
            except Forbidden:
                await self._unreachable(delivery)
                return
            except ChatMigrated as exc:
                delivery.chat_id = exc.new_chat_id
                await self._wait_for_rate(delivery.chat_id)
            except BadRequest as exc:
                await self._failed(delivery, exc.message)
                return
            except NetworkError as exc:  # timeouts, dropped connections, 5xx
                tries += 1
                self.stats.retried += 1
                if tries > QUICK_RETRIES:
                    await self._later(delivery, str(exc))
                    return
                delay = backoff(tries, key=delivery.id, base=timedelta(seconds=self.retry_base))
                await asyncio.sleep(min(delay.total_seconds(), 10))
                await self._wait_for_rate(delivery.chat_id)
        await self._record_sent(delivery.id, ids)
        self.stats.sent += 1
        if delivery.pin and ids:
            await self._pin(delivery.chat_id, ids[0])
        if self.on_delivered is not None:
            self.on_delivered(delivery)

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
        while self._finished:
            batch, self._finished = self._finished, []
            error: Exception | None = None
            try:
                async with self.sessionmaker.begin() as session:
                    await outbox.mark_sent_many(
                        session, sent=[(i, ids) for i, ids, _ in batch], now=self.clock.now()
                    )
            except Exception as exc:  # each waiting delivery handles it (see _deliver)
                error = exc
            for *_, done in batch:
                if done.done():  # its delivery was cancelled (stop); the row is marked anyway
                    continue
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)

    async def _send_parts(self, delivery: Delivery, ids: list[int]) -> None:
        """Send the parts not sent yet; remember each one so a resume does not repeat it."""
        assert delivery.id is not None
        first = True
        for index in range(len(ids), len(delivery.payload)):
            part = delivery.payload[index]
            if not first:  # the first part waited for its turn before the task started
                await self._wait_for_rate(delivery.chat_id)
            first = False
            message = await self._call(delivery.chat_id, part)
            ids.append(message.message_id)
            if len(delivery.payload) > 1:
                async with self.sessionmaker.begin() as session:
                    await outbox.record_part(
                        session, delivery_id=delivery.id, parts_sent=len(ids), message_ids=ids
                    )

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
