"""Outbox claims have an owner and a lease: a sent message is never queued again, a new
leader takes back only expired claims, and an orphaned claim is sent once its lease ran out.

The dispatchers talk to the Bot API emulator through a real python-telegram-bot ``Bot``; the
database is real (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select
from telegram import Bot

from domain.clock import FakeClock
from runtime.outbox import Dispatcher
from sandbox.emulator import Emulator, UserHandle
from storage import outbox
from storage.db import SessionMaker
from storage.models import Delivery, DeliveryStatus

TEXT = "Treffen am Donnerstag"


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    """A running emulator on the test clock."""
    async with Emulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    """A python-telegram-bot Bot pointed at the emulator."""
    async with Bot(emu.token, base_url=f"{emu.api_root}/bot") as telegram_bot:
        yield telegram_bot


async def _queue(sessionmaker: SessionMaker, clock: FakeClock, users: list[UserHandle]) -> None:
    async with sessionmaker.begin() as session:
        for user in users:
            await outbox.enqueue(
                session,
                dedupe_key=f"a1:{user.id}",
                kind="announcement",
                chat_id=user.id,
                payload=[{"method": "sendMessage", "params": {"text": TEXT}}],
                not_before=clock.now(),
                now=clock.now(),
            )


def _copies(user: UserHandle) -> int:
    return sum(1 for m in user.bot_messages if m.text == TEXT)


async def _statuses(sessionmaker: SessionMaker) -> list[DeliveryStatus]:
    async with sessionmaker() as session:
        return list((await session.exec(select(Delivery.status))).all())


async def test_a_database_error_right_after_a_send_sends_nothing_twice(
    sessionmaker: SessionMaker, clock: FakeClock, emu: Emulator, bot: Bot, monkeypatch: Any
) -> None:
    """The "sent" mark fails three times after Telegram took the message: it is retried with
    backoff, the member gets the message once, and it is reported delivered, not failed.

    Planted bug it catches: a failed "sent" mark puts the row back to be sent again
    (``_later``), as before leases; the member then gets it twice."""
    alice = emu.user(1001, "Alice")
    await _queue(sessionmaker, clock, [alice])
    refusals = 3
    real = outbox.mark_sent_many

    async def flaky(session: Any, **kwargs: Any) -> None:
        nonlocal refusals
        if refusals:
            refusals -= 1
            raise OperationalError("UPDATE delivery", {}, ConnectionError("connection lost"))
        await real(session, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent_many", flaky)
    delivered: list[Delivery] = []
    dispatcher = Dispatcher(
        bot=bot,
        sessionmaker=sessionmaker,
        clock=clock,
        retry_base=0.01,
        on_delivered=delivered.append,
    )
    await dispatcher.start()
    try:
        await dispatcher.drain()
        clock.advance(timedelta(hours=2))  # past any retry a re-queued row would wait for
        await dispatcher.reclaim()
        await dispatcher.drain()
    finally:
        await dispatcher.stop()
    assert _copies(alice) == 1
    assert refusals == 0
    assert await _statuses(sessionmaker) == [DeliveryStatus.SENT]
    assert (dispatcher.stats.sent, dispatcher.stats.failed) == (1, 0)
    assert [d.chat_id for d in delivered] == [alice.id]


async def test_a_new_leader_never_sends_what_the_old_one_is_still_sending(
    sessionmaker: SessionMaker, clock: FakeClock, emu: Emulator, bot: Bot
) -> None:
    """Two leaders for a moment: the old one is not killed but still sending (each answer
    takes half a second) when the new one starts and sweeps; then the old one steps down.
    Every member gets the announcement exactly once.

    Planted bug it catches: the new leader takes back every 'sending' row at start (or its
    sweep ignores the lease), as before leases; the old leader's messages go out twice."""
    users = [emu.user(2000 + i, f"M{i}") for i in range(12)]
    await _queue(sessionmaker, clock, users)
    emu.faults.add("slow", methods="sendMessage", delay=0.5)
    old = Dispatcher(bot=bot, sessionmaker=sessionmaker, clock=clock, concurrency=2)
    new = Dispatcher(bot=bot, sessionmaker=sessionmaker, clock=clock, concurrency=4)
    await old.start()
    try:
        for _ in range(1000):  # until the old leader's sends are under way
            if any(_copies(u) for u in users):
                break
            await asyncio.sleep(0.01)
        assert old.busy
        await new.start()  # takes over while the old one still works
        await new.reclaim()  # its first sweep
        await asyncio.sleep(0.3)
        await new.reclaim()
        await old.stop()  # the old leader steps down: its unstarted claims go back
        await new.drain()
    finally:
        await old.stop()
        await new.stop()
    assert [_copies(u) for u in users] == [1] * len(users)
    assert await _statuses(sessionmaker) == [DeliveryStatus.SENT] * len(users)
    assert old.stats.sent > 0 and new.stats.sent > 0


async def test_an_orphaned_claim_is_sent_once_its_lease_ran_out(
    sessionmaker: SessionMaker, clock: FakeClock, emu: Emulator, bot: Bot
) -> None:
    """A claim whose dispatcher died stays its own until the lease ends, then the sweep takes
    it back and it is sent; a claim from before leases (no lease) is taken back at once.

    Planted bug it catches: reclaiming without looking at the lease (sends what a live
    dispatcher holds), or never reclaiming (the message is never sent)."""
    alice, bob = emu.user(3001, "Alice"), emu.user(3002, "Bob")
    await _queue(sessionmaker, clock, [alice, bob])
    async with sessionmaker.begin() as session:
        await session.exec(
            update(Delivery)
            .where(col(Delivery.chat_id) == alice.id)
            .values(
                status=DeliveryStatus.SENDING,
                claimed_by="dead-host:1:abc",
                lease_until=clock.now() + timedelta(seconds=15),
            )
        )
        await session.exec(  # claimed by a version without leases
            update(Delivery)
            .where(col(Delivery.chat_id) == bob.id)
            .values(status=DeliveryStatus.SENDING)
        )
    dispatcher = Dispatcher(bot=bot, sessionmaker=sessionmaker, clock=clock)
    await dispatcher.start()
    try:
        await dispatcher.drain()
        assert (_copies(alice), _copies(bob)) == (0, 1)
        assert await dispatcher.reclaim() == 0  # the lease still holds
        clock.advance(timedelta(seconds=16))
        assert await dispatcher.reclaim() == 1
        await dispatcher.drain()
    finally:
        await dispatcher.stop()
    assert (_copies(alice), _copies(bob)) == (1, 1)
    async with sessionmaker() as session:
        rows = (await session.exec(select(Delivery))).all()
    assert {(r.status, r.claimed_by, r.lease_until) for r in rows} == {
        (DeliveryStatus.SENT, None, None)
    }
