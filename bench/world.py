"""What every scenario needs: a database, members written straight into it, the emulator's
users, the real bot in this process, and a few statistics."""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.app import GremiumApp
from bot.config import Settings
from bot.processing import TrackingUpdateProcessor
from domain.clock import FakeClock
from sandbox.emulator import Emulator
from storage import migrate
from storage.db import SessionMaker, create_engine, execute_on_server, make_sessionmaker
from storage.models import Group, Member, Membership, Role
from tests.e2e.harness import start_bot, stop_bot

#: PostgreSQL server to use instead of SQLite (a database is created and dropped per scenario).
POSTGRES_ENV = "GREMIUM_BENCH_POSTGRES_URL"
#: Tuesday 24 November 2026, 10:00 in Berlin: inside sending hours, as in the tests.
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN_ID = 900_001
CHUNK = 5_000


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is (``QUICK=1`` makes everything small)."""

    quick: bool
    broadcast: int
    commands: int
    unlimited: int
    crash_members: int
    kills: int
    voters: int
    storm_seconds: float
    groups: int
    members_small: int
    members_large: int

    @classmethod
    def choose(cls, quick: bool) -> Sizes:
        """Full sizes from the issues, or a quick look."""
        if quick:
            return cls(True, 1_000, 50, 2_000, 300, 5, 500, 60, 100, 10, 100)
        return cls(False, 10_000, 200, 10_000, 2_000, 20, 10_000, 180, 1_000, 10, 1_000)


def backend() -> str:
    """ "postgresql" when the benchmark runs on PostgreSQL, else "sqlite"."""
    return "postgresql" if os.environ.get(POSTGRES_ENV) else "sqlite"


@asynccontextmanager
async def database(name: str) -> AsyncIterator[str]:
    """A new, migrated database for one scenario; dropped (or deleted) afterwards."""
    server = os.environ.get(POSTGRES_ENV)
    if server:
        db_name = f"gremium_bench_{name}_{os.getpid()}"
        await execute_on_server(server, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await execute_on_server(server, f'CREATE DATABASE "{db_name}"')
        url = make_url(server).set(database=db_name).render_as_string(hide_password=False)
        try:
            await asyncio.to_thread(migrate.upgrade, url)
            yield url
        finally:
            await execute_on_server(server, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory(prefix=f"gremium-bench-{name}-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'gremium.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        yield url


async def checkpoint(url: str) -> None:
    """On PostgreSQL, write what earlier steps left in memory to disk now (CHECKPOINT, as
    pgbench does before it measures), so that a checkpoint does not fall into a measurement
    and slow only the side that uses the database. Nothing to do on SQLite."""
    if make_url(url).get_backend_name() == "postgresql":
        await execute_on_server(url, "CHECKPOINT")


@asynccontextmanager
async def sessions(url: str) -> AsyncIterator[SessionMaker]:
    """A session factory on ``url``, its engine disposed afterwards."""
    engine = create_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


# -- data written straight into the database --------------------------------------------------


async def add_groups(sm: SessionMaker, slugs: Sequence[str], *, now: datetime) -> list[int]:
    """Create groups (Europe/Berlin); returns their ids in the order of ``slugs``."""
    groups = [
        Group(slug=s, name=s.replace("-", " ").title(), timezone="Europe/Berlin", created_at=now)
        for s in slugs
    ]
    async with sm.begin() as session:
        session.add_all(groups)
        await session.flush()
    return [g.id for g in groups if g.id is not None]


async def add_members(
    sm: SessionMaker, telegram_ids: Sequence[int], *, now: datetime, language: str = "de"
) -> list[int]:
    """Members who have consented; returns their ids in the order of ``telegram_ids``."""
    rows = [
        {
            "telegram_id": t,
            "first_name": f"M{t}",
            "language": language,
            "consent_at": now,
            "consent_version": 1,
            "created_at": now,
            "left_all_groups_at": now,  # in no group yet, as after /start
        }
        for t in telegram_ids
    ]
    async with sm.begin() as session:
        for start in range(0, len(rows), CHUNK):
            await session.exec(insert(Member), params=rows[start : start + CHUNK])
    wanted = set(telegram_ids)
    async with sm() as session:
        result = await session.exec(select(col(Member.id), col(Member.telegram_id)))
        ids = {tid: mid for mid, tid in result.all() if tid in wanted and mid is not None}
    return [ids[t] for t in telegram_ids]


async def add_memberships(
    sm: SessionMaker,
    pairs: Iterable[tuple[int, int]],
    *,
    now: datetime,
    role: Role = Role.MEMBER,
) -> int:
    """Put members into groups: ``(member_id, group_id)`` pairs; returns how many."""
    pairs = list(pairs)
    rows = [{"member_id": m, "group_id": g, "role": role, "joined_at": now} for m, g in pairs]
    joined = sorted({m for m, _ in pairs})
    async with sm.begin() as session:
        for start in range(0, len(rows), CHUNK):
            await session.exec(insert(Membership), params=rows[start : start + CHUNK])
        for start in range(0, len(joined), CHUNK):  # in a group now, as add_membership does
            await session.exec(
                update(Member)
                .where(col(Member.id).in_(joined[start : start + CHUNK]))
                .values(left_all_groups_at=None)
            )
    return len(rows)


def emulator_users(emu: Emulator, telegram_ids: Iterable[int], language: str = "de") -> None:
    """The same people as Telegram users who have started the bot."""
    for tid in telegram_ids:
        emu.user(tid, f"M{tid}", language_code=language)


# -- the bot in this process --------------------------------------------------------------------


@dataclass
class Running:
    """The real bot, polling the emulator from this process."""

    emu: Emulator
    app: GremiumApp
    processor: TrackingUpdateProcessor
    sessionmaker: SessionMaker
    clock: FakeClock


@asynccontextmanager
async def running_bot(url: str, emu: Emulator, **overrides: Any) -> AsyncIterator[Running]:
    """Start the bot as `gremium run` does (polling), on ``url`` against ``emu``; ``overrides``
    replace settings such as ``outbox_rate``."""
    settings = Settings(
        token=emu.token,
        database_url=url,
        api_root=emu.api_root,
        admins=frozenset({ADMIN_ID}),
        organisation_name="Integrationskonferenz Herne",
        log_level="WARNING",
    )
    settings = replace(settings, **overrides)
    clock = FakeClock(MORNING)
    async with sessions(url) as sm:
        app, processor = await start_bot(settings, sm, clock)
        try:
            yield Running(emu, app, processor, sm, clock)
        finally:
            await stop_bot(app)


@asynccontextmanager
async def emulator() -> AsyncIterator[Emulator]:
    """A started emulator (no spec checks: they cost time the bot is not responsible for)."""
    emu = Emulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


# -- statistics ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile ``p`` (0-100) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def ms(seconds: float) -> str:
    """Seconds as whole milliseconds ("no answer" for infinity)."""
    return "no answer" if math.isinf(seconds) else f"{seconds * 1000:.0f} ms"


def count(n: int) -> str:
    """A count with thousands separators."""
    return f"{n:,}"
