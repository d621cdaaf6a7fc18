"""One member floods the bot with commands; the others must not notice.

- Without Telegram's limits: one member sends 300 /help at once while 100 other members each
  send /help, spread over the first second. Their p99 reply time must stay under 250 ms.
- With the emulator enforcing Telegram's limits (a private chat gets a burst of three, then one
  message a second): the same with 150 /help and 30 others, whose slowest answer must come
  within 1.5 s; the flooder, told once to slow down, sends /mygroups as soon as that notice
  arrives, and must have the answer within 5 s of the flood's end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from bench.table import Row
from bench.world import (
    MORNING,
    Sizes,
    add_groups,
    add_members,
    add_memberships,
    database,
    emulator,
    emulator_users,
    ms,
    percentile,
    running_bot,
    sessions,
)
from sandbox.emulator import Emulator, UserHandle

FLOODER = 4_000_000
FIRST_OTHER = 4_000_001
SLOW_DOWN = "You are sending messages faster than I can answer."


async def _prepare(url: str, emu: Emulator, others: int) -> None:
    """The flooder and ``others`` members of one group, all speaking English."""
    tids = [FLOODER, *(FIRST_OTHER + i for i in range(others))]
    async with sessions(url) as sm:
        (group,) = await add_groups(sm, ["bench"], now=MORNING)
        ids = await add_members(sm, tids, now=MORNING, language="en")
        await add_memberships(sm, [(m, group) for m in ids], now=MORNING)
    emulator_users(emu, tids, language="en")


async def _others(emu: Emulator, tids: Sequence[int], span: float) -> dict[int, datetime]:
    """Each sends /help once, spread evenly over ``span`` seconds; returns when."""
    sent: dict[int, datetime] = {}
    began = time.monotonic()
    for i, tid in enumerate(tids):
        await asyncio.sleep(max(0.0, began + i * span / len(tids) - time.monotonic()))
        sent[tid] = datetime.now(UTC)
        await emu.get_user(tid).send("/help")
    return sent


def _latencies(emu: Emulator, sent: dict[int, datetime]) -> list[float]:
    """Seconds from each command to the first answer in that chat (unanswered: infinite)."""
    answered: dict[int, datetime] = {}
    for call in emu.calls:
        if call.method == "sendMessage" and call.ok:
            chat = int(call.params["chat_id"])
            if chat in sent and chat not in answered:
                answered[chat] = call.at
    return [
        (answered[t] - at).total_seconds() if t in answered else float("inf")
        for t, at in sent.items()
    ]


async def _flood(emu: Emulator, flooder: UserHandle, n: int) -> None:
    for _ in range(n):
        await flooder.send("/help")


async def _wait_for(flooder: UserHandle, count: int, timeout: float) -> None:
    """Until the flooder's chat has ``count`` messages from the bot."""
    async with asyncio.timeout(timeout):
        while True:
            if len(flooder.bot_messages) >= count:
                return
            await asyncio.sleep(0.01)


async def _wait_for_slow_down(flooder: UserHandle, since: int, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if any(m.text.startswith(SLOW_DOWN) for m in flooder.bot_messages[since:]):
                return
            await asyncio.sleep(0.01)


async def _next_command(
    flooder: UserHandle, before: int, ended: float
) -> tuple[float, float, int]:
    """The flooder sends /mygroups as soon as the slow-down notice arrives: seconds from the
    flood's end (``ended``) to the notice and to the answer, and how much of the flood (sent
    after ``before`` messages of the bot) was answered."""
    await _wait_for_slow_down(flooder, before, timeout=120)
    told = time.monotonic() - ended
    after = len(flooder.bot_messages)
    await flooder.send("/mygroups")
    await _wait_for(flooder, after + 1, timeout=120)
    answered = time.monotonic() - ended
    return told, answered, after - before - 1


async def unlimited(sizes: Sizes) -> list[Row]:
    """300 /help from one member, 100 others meanwhile; no limits."""
    flood, others = (300, 100) if not sizes.quick else (300, 50)
    async with database("flood") as url, emulator() as emu:
        await _prepare(url, emu, others)
        async with running_bot(url, emu) as bot:
            flooder = emu.get_user(FLOODER)
            tids = [FIRST_OTHER + i for i in range(others)]
            flooding = asyncio.create_task(_flood(emu, flooder, flood))
            sent = await _others(emu, tids, span=1.0)
            await flooding
            await emu.wait_idle(timeout=60)
            await bot.processor.wait_idle()
            await asyncio.sleep(0.5)
            latencies = _latencies(emu, sent)
            dropped = bot.processor.dropped
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    return [
        Row.judged(
            f"Flood of {flood} commands from one member: /help of {others} other members",
            f"p50 {ms(p50)}, p99 {ms(p99)}, max {ms(max(latencies))} "
            f"({dropped} of the flood dropped)",
            "p99 < 250 ms",
            p99 < 0.25,
        )
    ]


async def limited(sizes: Sizes) -> list[Row]:
    """150 /help from one member and 30 others meanwhile, with Telegram's limits; then the
    flooder's next command."""
    flood, others = 150, 30
    async with database("floodlimits") as url, emulator() as emu:
        await _prepare(url, emu, others)
        emu.enforce_limits = True
        async with running_bot(url, emu):
            flooder = emu.get_user(FLOODER)
            before = len(flooder.bot_messages)
            tids = [FIRST_OTHER + i for i in range(others)]
            flooding = asyncio.create_task(_flood(emu, flooder, flood))
            sent = await _others(emu, tids, span=1.0)
            await flooding
            told, answered, kept = await _next_command(flooder, before, time.monotonic())
            await emu.wait_idle(timeout=60)
            latencies = _latencies(emu, sent)
    worst = max(latencies)
    return [
        Row.judged(
            f"Flood of {flood} commands from one member, emulator enforcing Telegram's limits: "
            f"/help of {others} other members",
            f"p99 {ms(percentile(latencies, 99))}, max {ms(worst)}",
            "max < 1.5 s",
            worst < 1.5,
        ),
        Row.judged(
            "… the flooder's next command, sent when the slow-down notice arrived",
            f"answered {answered:.1f} s after the flood (notice after {told:.1f} s; "
            f"{kept} of {flood} answered, the rest dropped)",
            "≤ 5 s",
            answered <= 5.0,
        ),
    ]


async def flood(sizes: Sizes) -> list[Row]:
    """Both: without and with Telegram's limits."""
    return [*(await unlimited(sizes)), *(await limited(sizes))]
