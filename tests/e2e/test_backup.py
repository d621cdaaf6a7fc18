"""Backups end to end: a copy taken while the bot writes, put back with `gremium db restore`.

SQLite is copied with `gremium db backup`; PostgreSQL with the pg_dump command the README gives.
The restore is refused while the bot runs, and afterwards the bot sees exactly the backup's data.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from bot.__main__ import main
from bot.logs import HANDLER_NAME
from domain.clock import FakeClock
from sandbox.emulator import UserHandle
from storage import migrate
from storage.backup import libpq_url
from storage.db import create_engine, make_sessionmaker
from storage.models import Member
from tests.conftest import (
    NO_POSTGRES,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)
from tests.e2e.harness import World, running_bot
from tests.e2e.helpers import consented, member_of


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated (the restore replaces it wholesale)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'gremium.db'}"
        migrate.upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    name = f"gremium_backup_{os.getpid()}"
    url = create_postgres_database(name)
    migrate.upgrade(url)
    yield url
    drop_postgres_database(name)


@asynccontextmanager
async def bot(url: str, clock: FakeClock) -> AsyncIterator[World]:
    """The bot on ``url``, with an engine that is closed afterwards (before any restore)."""
    engine = create_engine(url)
    try:
        async with running_bot(
            database_url=url, sessionmaker=make_sessionmaker(engine), clock=clock
        ) as world:
            yield world
    finally:
        await engine.dispose()


async def gremium(*argv: str) -> int:
    """Run the `gremium` command line (in a thread: it runs its own event loop)."""
    try:
        return await asyncio.to_thread(main, list(argv))
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
            root.removeHandler(handler)


async def at_least(items: list[UserHandle], n: int) -> None:
    """Wait until the writer has written ``n`` members."""
    for _ in range(3000):
        if len(items) >= n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the writer wrote only {len(items)} members")


async def take_backup(url: str, target: Path, config: Path) -> None:
    """SQLite: `gremium db backup`; PostgreSQL: pg_dump as the README shows."""
    if url.startswith("sqlite"):
        assert await gremium("db", "backup", str(target), "--config", str(config)) == 0
        return
    proc = await asyncio.create_subprocess_exec(
        "pg_dump", "--format=custom", f"--file={target}", libpq_url(url)
    )
    assert await proc.wait() == 0


async def test_backup_while_the_bot_writes_and_restore(
    fresh_url: str, tmp_path: Path, clock: FakeClock, capfd: pytest.CaptureFixture[str]
) -> None:
    """The copy taken mid-writes is consistent; restore refuses while the bot runs, then works."""
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "1:x"\n[database]\nurl = "{fresh_url}"\n')
    backup = tmp_path / ("backup.db" if fresh_url.startswith("sqlite") else "backup.dump")

    async with bot(fresh_url, clock) as world:
        early = [await consented(world, 8000 + i, f"Früh{i}") for i in range(5)]
        for user in early:
            await member_of(world, user, "bildung")
        written: list[UserHandle] = []
        stop = asyncio.Event()

        async def writer() -> None:
            while not stop.is_set():
                user = await consented(world, 8100 + len(written), f"Neu{len(written)}")
                await member_of(world, user, "kultur")
                written.append(user)

        task = asyncio.create_task(writer())
        await at_least(written, 2)
        during = len(written)
        await take_backup(fresh_url, backup, config)
        await at_least(written, during + 2)  # the bot went on writing after the copy
        stop.set()
        await task
        assert len(written) > during
        late = await consented(world, 8999, "Spät")  # certainly after the backup

        capfd.readouterr()
        assert await gremium("db", "restore", str(backup), "--config", str(config)) == 1
        assert "running" in capfd.readouterr().err

    assert await gremium("db", "restore", str(backup), "--config", str(config)) == 0
    assert "restored" in capfd.readouterr().out

    async with bot(fresh_url, clock) as world:
        # Telegram numbers updates on across a restore; a fresh emulator would start at 1 and
        # the restored inbox would take those for updates it has seen.
        world.emu.core.queue._next_id = 10_000
        async with world.sessionmaker() as session:
            ids = set((await session.exec(select(Member.telegram_id))).all())
        assert {u.id for u in early} <= ids
        assert late.id not in ids
        assert written[-1].id not in ids
        restored_writers = {u.id for u in written} & ids
        assert len(restored_writers) >= 2  # what was written before the copy is in it
        first = world.emu.user(early[0].id, "Früh0", language_code="de")
        mine = await world.send(first, "/mygroups")
        assert "Bildung" in mine.text
        again = world.emu.user(late.id, "Spät", language_code="de")
        assert "/start" in (await world.send(again, "/mygroups")).text
