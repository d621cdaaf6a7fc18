"""Sending one outbox delivery: its parts, the retry and backoff policy, and its outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from domain.clock import Clock
from domain.delivery import backoff
from runtime.outbox_leases import Leases
from runtime.outbox_marks import MARK_RETRY_CAP, SentMarks
from runtime.outbox_rate import RateGate
from runtime.sending import send_part
from storage import outbox
from storage.db import SessionMaker
from storage.models import Delivery

log = logging.getLogger("runtime.outbox")  # the dispatcher's log, as before the split

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


@dataclass
class Courier:
    """Sends a claimed delivery and records what became of it."""

    bot: Bot
    sessionmaker: SessionMaker
    clock: Clock
    gate: RateGate
    leases: Leases
    marks: SentMarks
    stats: DispatchStats
    paid_broadcast: bool
    retry_base: float
    on_delivered: Callable[[Delivery], None] | None
    report: Callable[[str], None]  # told what failed (for /status)

    async def finish(self, delivery: Delivery, ids: list[int]) -> None:
        """Mark the sent delivery (retrying until the database takes it), pin, report."""
        assert delivery.id is not None
        await self.marks.record(delivery.id, ids)
        self.stats.sent += 1
        if delivery.pin and ids:
            await self._pin(delivery.chat_id, ids[0])
        if self.on_delivered is not None:
            self.on_delivered(delivery)

    async def deliver_with_retries(self, delivery: Delivery, ids: list[int]) -> bool:
        """Send what is left of the delivery; True once Telegram has every part, False when
        the outcome (unreachable, failed, later) is already recorded."""
        assert delivery.id is not None
        tries = 0
        while True:
            try:
                await self._send_parts(delivery, ids)
                return True
            except RetryAfter as exc:
                await self._rate_limited(delivery, _seconds(exc.retry_after))
            except Forbidden:
                await self._unreachable(delivery)
                return False
            except ChatMigrated as exc:
                delivery.chat_id = exc.new_chat_id
                await self.gate.wait(delivery.chat_id)
            except BadRequest as exc:
                await self._failed(delivery, exc.message)
                return False
            except NetworkError as exc:  # timeouts, dropped connections, 5xx
                tries += 1
                if not await self._quick_retry(delivery, tries, str(exc)):
                    return False

    async def _rate_limited(self, delivery: Delivery, seconds: float) -> None:
        """Telegram asked to wait: pause all sending, then wait for the chat's turn."""
        self.stats.rate_limited += 1
        self.gate.pause(seconds)
        log.warning("outbox: Telegram asks to wait %.0f s", seconds)
        await asyncio.sleep(seconds)
        await self.gate.wait(delivery.chat_id)

    async def _quick_retry(self, delivery: Delivery, tries: int, error: str) -> bool:
        """Back off before try ``tries``; False (the row put back) once quick retries ran out."""
        assert delivery.id is not None
        self.stats.retried += 1
        if tries > QUICK_RETRIES:
            await self.later(delivery, error)
            return False
        delay = backoff(tries, key=delivery.id, base=timedelta(seconds=self.retry_base))
        await asyncio.sleep(min(delay.total_seconds(), 10))
        await self.gate.wait(delivery.chat_id)
        return True

    async def _send_parts(self, delivery: Delivery, ids: list[int]) -> None:
        """Send the parts not sent yet; remember each one so a resume does not repeat it."""
        assert delivery.id is not None
        first = True
        for index in range(len(ids), len(delivery.payload)):
            part = delivery.payload[index]
            if not first:  # the first part waited for its turn before the task started
                await self.gate.wait(delivery.chat_id)
                await self.leases.await_fresh()
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
        """Send one part to Telegram."""
        return await send_part(self.bot, chat_id, part, paid_broadcast=self.paid_broadcast)

    async def _pin(self, chat_id: int, message_id: int) -> None:
        """Pin the first message of a delivery, quietly; a refusal is only logged."""
        try:
            await self.bot.pin_chat_message(chat_id, message_id, disable_notification=True)
        except (BadRequest, Forbidden) as exc:
            log.info("outbox: could not pin in chat %s: %s", chat_id, exc.message)

    async def _unreachable(self, delivery: Delivery) -> None:
        """The chat blocked the bot: mark it unreachable."""
        self.stats.unreachable += 1
        async with self.sessionmaker.begin() as session:
            await outbox.mark_chat_unreachable(
                session, chat_id=delivery.chat_id, now=self.clock.now()
            )
        log.info("outbox: chat %s blocked the bot", delivery.chat_id)
        if self.on_delivered is not None:
            self.on_delivered(delivery)

    async def _failed(self, delivery: Delivery, error: str) -> None:
        """Give the delivery up as failed, and say so."""
        assert delivery.id is not None
        self.stats.failed += 1
        async with self.sessionmaker.begin() as session:
            await outbox.mark_failed(session, delivery_id=delivery.id, error=error)
        log.warning(
            "outbox: delivery %s to chat %s failed: %s", delivery.id, delivery.chat_id, error
        )
        self.report(f"outbox: delivery {delivery.id} to chat {delivery.chat_id} failed: {error}")
        if self.on_delivered is not None:
            self.on_delivered(delivery)

    async def later(self, delivery: Delivery, error: str) -> None:
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


def _seconds(value: int | timedelta) -> float:
    """Telegram's ``retry_after`` in seconds, whichever type it came as."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
