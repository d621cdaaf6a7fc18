"""Cadence: start-up with 1,000 groups, each with a meeting rhythm and its planned steps (review
and opening as due tasks), and the scheduler's work with 10 and with 1,000 members per group.

The bot runs as `gremium run` in its own process: its first sweeps plan every group (the start
does not wait for that); the time to a running bot and its resident memory are taken at the
second start, when the steps are already pending. Then, in this process on the same database
with a clock at a Tuesday morning: planning every group afresh (as the sweep does, in
batches, for rhythms without a next step), one sweep's share of the due review
steps (drafting each group's next poll), and the periodic sweep with nothing due: its look at
the schedule and its retention pass, timed apart. None of it may grow with the number of
members. Every member is in ten groups.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, update
from sqlmodel import col, select

from bench.process import Bot, outside_bot_data
from bench.table import Row
from bench.world import (
    ADMIN_ID,
    MORNING,
    Sizes,
    add_groups,
    add_members,
    add_memberships,
    count,
    database,
    emulator,
    ms,
    rss_mb,
    sessions,
)
from domain.cadence import Rhythm
from domain.clock import FakeClock
from handlers.announcements.release import release_due
from handlers.jobs import run_due_tasks
from handlers.meetings.rhythm import KINDS, new_rhythm_row, plan_unplanned, store_rhythm
from handlers.privacy.commands import retention_sweep
from sandbox.emulator import Emulator
from storage import rhythms as rhythm_repo
from storage.db import SessionMaker
from storage.models import DueTask, GroupRhythm, Poll

SWEEPS = 5
#: How many groups each member is in.
SHARED = 10
#: How much more the scheduler may take with 100× the members (noise, not growth).
GROWTH = 1.5
#: Seconds of timer noise a figure of a few milliseconds may differ by without having grown.
NOISE = 0.005
#: Seconds to a running bot with 1,000 groups at most.
START_TARGET = 2.0


@dataclass(frozen=True)
class StartUp:
    """What one group size measured."""

    members: int
    first_start: float
    restart: float
    rss: float
    pending: int
    planning: float
    steps: int
    per_step: float
    sweep: float
    retention: float
    people: int


async def start_up(sizes: Sizes) -> list[Row]:
    """Both group sizes, then the rows."""
    small = await _measure(sizes.groups, sizes.members_small)
    large = await _measure(sizes.groups, sizes.members_large)
    g = count(sizes.groups)
    rows = [
        Row.judged(
            f"Start-up with {g} groups and their pending steps, {count(m.members)} members each",
            f"{m.restart:.1f} s to a running bot (first start: {m.first_start:.1f} s); "
            f"{m.rss:.0f} MiB resident; {count(m.pending)} steps pending",
            f"≤ {START_TARGET:g} s",
            m.restart <= START_TARGET,
        )
        for m in (small, large)
    ]
    return [*rows, *_growth_rows(g, small, large)]


def _growth_rows(g: str, small: StartUp, large: StartUp) -> list[Row]:
    """The scheduler, the retention pass and the due steps: small against large groups."""
    retention = large.retention / small.retention
    step_ratio = large.per_step / small.per_step
    target = f"does not grow with members (≤ ×{GROWTH}, or within {ms(NOISE)})"
    return [
        Row.judged(
            f"Scheduler, {g} groups: {count(small.members)} vs {count(large.members)} "
            "members per group",
            f"sweep with nothing due {ms(small.sweep)} vs {ms(large.sweep)}; planning every "
            f"group (the sweep's batches) {ms(small.planning)} vs {ms(large.planning)}",
            target,
            _steady(small.sweep, large.sweep) and _steady(small.planning, large.planning),
        ),
        Row.judged(
            f"Retention pass of the same sweep, {count(small.members)} vs "
            f"{count(large.members)} members per group",
            f"{ms(small.retention)} vs {ms(large.retention)} (×{retention:.1f}; "
            f"{count(small.people)} vs {count(large.people)} members in all)",
            target,
            _steady(small.retention, large.retention),
        ),
        Row.judged(
            f"Due steps: reviewing the next poll of {large.steps} groups, "
            f"{count(small.members)} vs {count(large.members)} members per group",
            f"{ms(small.per_step)} vs {ms(large.per_step)} per group (×{step_ratio:.1f})",
            target,
            _steady(small.per_step, large.per_step),
        ),
    ]


def _steady(small: float, large: float) -> bool:
    """Whether ``large`` (seconds, with more members) has not grown beyond ``small``'s."""
    return large <= small * GROWTH or large - small <= NOISE


async def _measure(groups: int, members: int) -> StartUp:
    """One group size: the bot's two starts in its own process, then the scheduler's work."""
    async with database(f"cadence{members}") as url, emulator() as emu:
        await _prepare(url, groups, members)
        first, restart, pending, rss = await _starts(url, emu)
        async with sessions(url) as sm:
            planning, steps, per_step, sweep, retention = await _scheduler(sm)
    return StartUp(
        members,
        first,
        restart,
        rss,
        pending,
        planning,
        steps,
        per_step,
        sweep,
        retention,
        -(-groups // SHARED) * members,
    )


async def _starts(url: str, emu: Emulator) -> tuple[float, float, int, float]:
    """Start the bot, let its first sweeps plan every group, start it again: seconds to the
    first and to the second running bot, the steps pending then, and the resident memory."""
    with tempfile.TemporaryDirectory(prefix="gremium-bench-") as tmp:
        bot = Bot(url, emu, Path(tmp))
        try:
            first = await bot.start(timeout=600)
            await _until_planned(url)  # the first sweeps plan every group
            await bot.stop()
            restart = await bot.start(timeout=600)
            async with sessions(url) as sm:
                pending = await _pending(sm)
            await asyncio.sleep(2)  # the first sweep runs a second after the start
            rss = rss_mb(bot.pid)
        finally:
            await bot.stop()
    return first, restart, pending, rss


async def _scheduler(sm: SessionMaker) -> tuple[float, int, float, float, float]:
    """In this process, from fresh rhythms: planning every group, the time per due step of
    one sweep's share, and the medians of the sweep with nothing due and of its retention."""
    await _unplan(sm)
    bd = outside_bot_data(sm, clock=FakeClock(MORNING), admins=frozenset({ADMIN_ID}))
    began = time.perf_counter()
    await plan_unplanned(bd, budget=math.inf)  # fresh rhythms: each review is due now
    planning = time.perf_counter() - began
    began = time.perf_counter()
    steps = await run_due_tasks(bd)  # one sweep's share of them
    per_step = (time.perf_counter() - began) / max(1, steps)
    while await run_due_tasks(bd):
        pass
    sweeps, retentions = [], []
    for _ in range(SWEEPS):  # what the sweep does every 20 s: the schedule, retention
        began = time.perf_counter()
        await release_due(bd)
        await run_due_tasks(bd)
        sweeps.append(time.perf_counter() - began)
        began = time.perf_counter()
        await retention_sweep(bd)
        retentions.append(time.perf_counter() - began)
    return planning, steps, per_step, statistics.median(sweeps), statistics.median(retentions)


async def _prepare(url: str, groups: int, members: int) -> None:
    """``groups`` groups with the default rhythm and ``members`` members each; every member
    is in ``SHARED`` groups (blocks of groups share their people)."""
    async with sessions(url) as sm:
        ids = await add_groups(sm, [f"ag-{i:04d}" for i in range(groups)], now=MORNING)
        async with sm.begin() as session:
            for group_id in ids:
                row = new_rhythm_row(group_id)
                store_rhythm(row, Rhythm())
                session.add(row)
        blocks = -(-groups // SHARED)
        people = await add_members(
            sm, [5_000_001 + i for i in range(blocks * members)], now=MORNING
        )
        pairs = (
            (people[(i // SHARED) * members + k], group_id)
            for i, group_id in enumerate(ids)
            for k in range(members)
        )
        await add_memberships(sm, pairs, now=MORNING)


async def _until_planned(url: str, timeout: float = 300.0) -> None:
    """Wait until no group's rhythm is without a next step."""
    async with sessions(url) as sm, asyncio.timeout(timeout):
        while True:
            async with sm() as session:
                if not await rhythm_repo.unplanned_groups(session, kinds=KINDS, limit=1):
                    return
            await asyncio.sleep(0.5)


async def _unplan(sm: SessionMaker) -> None:
    """Back to fresh rhythms: no steps, drafts or cycles from the bot's runs above."""
    async with sm.begin() as session:
        await session.exec(delete(DueTask))
        await session.exec(delete(Poll))
        await session.exec(update(GroupRhythm).values(last_cycle_center=None))


async def _pending(sm: SessionMaker) -> int:
    async with sm() as session:
        result = await session.exec(
            select(func.count(col(DueTask.id))).where(
                col(DueTask.done_at).is_(None), col(DueTask.cancelled).is_(False)
            )
        )
        return int(result.one())
