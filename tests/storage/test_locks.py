"""The instance lock: one holder per database; it comes free when the holder's connection ends."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import migrate
from storage.db import create_engine
from storage.locks import AdvisoryLock, AlwaysHeld, FileLock, instance_lock, lock_path
from tests.conftest import (
    NO_POSTGRES,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)

ROOT = Path(__file__).resolve().parents[2]


async def test_only_one_instance_holds_the_lock(database_url: str) -> None:
    """A second instance is refused while the first holds the lock, and gets it afterwards."""
    first, second = instance_lock(database_url), instance_lock(database_url)
    try:
        assert await first.acquire()
        assert await first.held()
        assert not await second.acquire()
        assert not await second.held()
        await first.release()
        assert not await first.held()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await first.release()
        await second.release()


async def test_the_lock_comes_free_when_the_holder_dies(database_url: str) -> None:
    """When the holder's connection (or process) ends, the lock is free for another."""
    first, second = instance_lock(database_url), instance_lock(database_url)
    try:
        assert await first.acquire()
        if isinstance(first, AdvisoryLock):
            engine = create_engine(database_url)
            async with engine.begin() as conn:  # what PostgreSQL does when a process dies
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
                )
            await engine.dispose()
            with pytest.raises(Exception):  # noqa: B017, PT011 (asyncpg's or SQLAlchemy's error)
                await first.held()
            assert not await first.held()
        else:
            assert isinstance(first, FileLock)
            first.unlock()  # the kernel does this when the process dies
        assert await second.acquire()
    finally:
        await first.release()
        await second.release()


def test_the_right_lock_for_each_database(tmp_path: Path) -> None:
    """PostgreSQL: advisory lock; SQLite file: a lock file beside it; in memory: always held."""
    assert isinstance(instance_lock("postgresql+asyncpg://u@h/db"), AdvisoryLock)
    lock = instance_lock(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    assert isinstance(lock, FileLock)
    assert lock.path == lock_path(tmp_path / "g.db") == tmp_path / "g.db.lock"
    assert isinstance(instance_lock("sqlite+aiosqlite:///:memory:"), AlwaysHeld)


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_instances_starting_together_migrate_one_after_the_other() -> None:
    """Three processes upgrade an empty PostgreSQL database at once: all succeed, at head."""
    name = f"gremium_migrate_race_{os.getpid()}"
    url = create_postgres_database(name)
    start = time.time() + 3  # every process imports first, then all upgrade at once
    code = (
        "import sys, time; from storage import migrate; "
        f"time.sleep(max(0, {start} - time.time())); migrate.upgrade(sys.argv[1])"
    )
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code, url], cwd=ROOT, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        errors = [proc.communicate(timeout=60)[1] for proc in procs]
        assert [proc.returncode for proc in procs] == [0, 0, 0], errors

        async def current() -> str | None:
            engine = create_engine(url)
            try:
                return await migrate.current_revision(engine)
            finally:
                await engine.dispose()

        assert asyncio.run(current()) == migrate.head_revision()
    finally:
        drop_postgres_database(name)
