"""Crash test: the bot (its own process) is killed with SIGKILL at random moments of a
broadcast and started again, twenty times. Afterwards every member must have the message, and
a member may have it twice only if its request was in flight at a kill: sent to Telegram, but
not yet recorded as sent when the process died."""

from __future__ import annotations

import asyncio
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from bench.broadcast import FIRST_MEMBER, Delivered, prepare, release_announcement
from bench.process import Bot, outside_bot_data
from bench.table import Row
from bench.world import Sizes, count, database, emulator, sessions
from sandbox.emulator import Emulator
from storage.db import SessionMaker
from storage.models import Delivery, DeliveryStatus

SEED = 2026
#: Seconds the bot runs before each kill: drawn uniformly from this range.
RUNS = (0.5, 4.0)


@dataclass
class Kills:
    """The kills of one run, and the chats whose message was in flight at one of them."""

    killed: int = 0
    in_flight: set[int] = field(default_factory=set)  # chats whose message went out unrecorded
    in_flight_total: int = 0  # requests in flight, summed over the kills


async def crash_test(sizes: Sizes) -> list[Row]:
    """A broadcast to ``crash_members`` at the configured 25/s, with ``kills`` SIGKILLs."""
    n, kills = sizes.crash_members, sizes.kills
    async with database("crash") as url, emulator() as emu, sessions(url) as sm:
        await prepare(url, emu, n, 0)
        emu.enforce_limits = True
        delivered = Delivered({FIRST_MEMBER + i for i in range(n)})
        with tempfile.TemporaryDirectory(prefix="gremium-bench-") as tmp:
            bot = Bot(url, emu, Path(tmp))
            await bot.start()
            try:
                await release_announcement(outside_bot_data(sm))
                record = await _kill_and_restart(bot, emu, sm, delivered, kills)
                await delivered.wait_all(emu, timeout=n / 10 + 120)
                await _outbox_done(sm, timeout=120)
                await asyncio.sleep(0.5)
                delivered.scan(emu)
            finally:
                await bot.stop()
        states = await _states(sm)
    return [_row(n, kills, delivered, record, states)]


async def _kill_and_restart(
    bot: Bot, emu: Emulator, sm: SessionMaker, delivered: Delivered, kills: int
) -> Kills:
    """Up to ``kills`` times: let the bot run a random while, kill it, note which messages
    were in flight, start it again; stop early if the broadcast is done."""
    rng = random.Random(SEED)
    record = Kills()
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(*RUNS))
        delivered.scan(emu)
        if len(delivered.seen) == len(delivered.chats):
            break  # the broadcast ended before all kills
        await bot.kill()
        record.killed += 1
        delivered.scan(emu)
        unrecorded = await _unrecorded(sm, delivered.seen)
        record.in_flight |= unrecorded
        record.in_flight_total += len(unrecorded)
        await bot.start()
    return record


def _row(n: int, kills: int, delivered: Delivered, record: Kills, states: dict[str, int]) -> Row:
    """The table's row: who is without the message, and whether each duplicate is explained."""
    missing = n - len(delivered.seen)
    duplicated = {chat: c - 1 for chat, c in delivered.per_chat.items() if c > 1}
    extra = sum(duplicated.values())
    unexplained = [chat for chat in duplicated if chat not in record.in_flight]
    figure = (
        f"{record.killed} kills: {missing} of {count(n)} members without the message; "
        f"{extra} duplicates in {len(duplicated)} chats, "
        f"{len(duplicated) - len(unexplained)} of them in flight at a kill "
        f"({record.in_flight_total} requests were in flight at the kills); "
        f"rows {', '.join(f'{k} {v}' for k, v in sorted(states.items()))}"
    )
    ok = missing == 0 and not unexplained and record.killed == kills and set(states) == {"sent"}
    return Row.judged(
        f"Crash test: SIGKILL at random moments of a {count(n)}-member broadcast, "
        f"restart, {kills} times",
        figure,
        "0 without the message; duplicates only for requests in flight at the kill",
        ok,
    )


async def _unrecorded(sm: SessionMaker, seen: set[int]) -> set[int]:
    """Chats that got the message although their row is not marked sent: the process died
    between Telegram's answer and the database write."""
    async with sm() as session:
        result = await session.exec(
            select(Delivery.chat_id).where(col(Delivery.status) != DeliveryStatus.SENT)
        )
        return {chat for chat in result.all() if chat in seen}


async def _outbox_done(sm: SessionMaker, timeout: float) -> None:
    """Wait until no delivery is pending or being sent."""
    async with asyncio.timeout(timeout):
        while True:
            async with sm() as session:
                result = await session.exec(
                    select(func.count(col(Delivery.id))).where(
                        col(Delivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])
                    )
                )
                if result.one() == 0:
                    return
            await asyncio.sleep(0.2)


async def _states(sm: SessionMaker) -> dict[str, int]:
    """How many deliveries ended in each state."""
    async with sm() as session:
        result = await session.exec(
            select(Delivery.status, func.count(col(Delivery.id))).group_by(col(Delivery.status))
        )
        return {str(status): int(n) for status, n in result.all()}
