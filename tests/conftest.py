"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import asyncio
import os

# python-telegram-bot 22: durations as timedelta (what its next major version does by default).
os.environ.setdefault("PTB_TIMEDELTA", "1")
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from domain.clock import FakeClock
from storage import migrate
from storage.db import SessionMaker, create_engine, execute_on_server, make_sessionmaker

POSTGRES_URL = os.environ.get("GREMIUM_TEST_POSTGRES_URL", "")
NO_POSTGRES = "GREMIUM_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped"
BACKENDS = ["sqlite", "postgresql"]


async def _leftover_databases() -> list[str]:
    """Databases that killed test or benchmark runs of this machine left behind: named
    ``gremium_..._<pid>`` after a process that is gone."""
    import asyncpg

    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'gremium\\_%'")
    finally:
        await conn.close()
    gone = []
    for row in rows:
        name = str(row["datname"])
        pid = name.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            gone.append(name)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def create_postgres_database(name: str) -> str:
    """Create a fresh PostgreSQL database and return its async URL."""
    asyncio.run(execute_on_server(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(execute_on_server(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    """Drop a database made by :func:`create_postgres_database`."""
    asyncio.run(execute_on_server(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "gremium.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database for this test run, migrated to head."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    for leftover in asyncio.run(_leftover_databases()):
        drop_postgres_database(leftover)
    name = f"gremium_test_{os.getpid()}"
    url = create_postgres_database(name)
    migrate.upgrade(url)
    yield url
    drop_postgres_database(name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "gremium.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database (PostgreSQL tables are truncated first)."""
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> SessionMaker:
    """Sessions on the test database."""
    return make_sessionmaker(engine)


@pytest.fixture
def clock() -> FakeClock:
    """A clock standing at a Tuesday morning in November 2026 (Berlin: 10:00)."""
    return FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


# -- reliability suites: hypothesis profiles and printed figures -------------------------------

# "ci" keeps the property-based suites quick; `make soak` selects "soak" (HYPOTHESIS_PROFILE).
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.register_profile("ci", max_examples=100)
settings.register_profile("soak", max_examples=1000, deadline=None)
settings.load_profile(HYPOTHESIS_PROFILE)


def whole_bot_settings(ci: int) -> settings:
    """Hypothesis settings for a property test that drives the whole bot (one bot for all
    examples, each example a few round trips): ``ci`` examples in CI, ten times as many under
    `make soak`, no deadline."""
    return settings(
        max_examples=ci * 10 if HYPOTHESIS_PROFILE == "soak" else ci,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


#: Lines the reliability suites report; printed at the end of the run (and quoted in README).
FIGURES: list[str] = []


@pytest.fixture
def figures() -> Callable[[str], None]:
    """Record one line of figures for the summary at the end of the run."""
    return FIGURES.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the reliability suites counted."""
    if FIGURES:
        terminalreporter.write_sep("=", "reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
