"""The instance lock: of all Gremium processes on one database, one holds it and leads.

On PostgreSQL it is a session-level advisory lock held on a dedicated connection: PostgreSQL
releases it when that connection ends, so a standby can take over when the leader dies. The
connection asks the server to probe it with TCP keepalives, so even a leader whose host vanished
without closing its sockets loses the lock within about ten seconds. On SQLite it is an exclusive
``flock`` on a file beside the database, which also tells ``gremium db restore`` that the bot is
running.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

#: The advisory lock key of the leader ("gremium" as a number). Advisory locks are per database.
LEADER_KEY = int.from_bytes(b"gremium", "big")
#: Held while migrations run, so that instances starting together migrate one after the other.
MIGRATION_KEY = LEADER_KEY + 1
#: Server-side TCP keepalives on the lock connection: a dead client is noticed after about
#: idle + interval * count seconds, and its lock released.
KEEPALIVES = (
    "SET tcp_keepalives_idle = 5",
    "SET tcp_keepalives_interval = 2",
    "SET tcp_keepalives_count = 3",
)


class InstanceLock(Protocol):
    """A lock only one process at a time can hold."""

    async def acquire(self) -> bool:
        """Try once, without waiting; True if this process holds the lock now."""
        ...

    async def held(self) -> bool:
        """Whether this process still holds the lock."""
        ...

    async def release(self) -> None:
        """Let go of the lock (if held) and close what holding it needed."""
        ...


def instance_lock(url: str, *, timeout: float = 5.0) -> InstanceLock:
    """The right lock for the database at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return AdvisoryLock(url, timeout=timeout)
    if parsed.database and parsed.database != ":memory:":
        return FileLock(lock_path(Path(parsed.database)))
    return AlwaysHeld()


def lock_path(database: Path) -> Path:
    """The lock file of a SQLite database file."""
    return database.with_name(database.name + ".lock")


class AdvisoryLock:
    """``pg_try_advisory_lock`` on a connection of its own that stays open while leading."""

    def __init__(
        self,
        url: str,
        *,
        key: int = LEADER_KEY,
        timeout: float = 5.0,
        application_name: str = "gremium-leader",
    ) -> None:
        self.key = key
        self.timeout = timeout
        self._engine = create_async_engine(
            url,
            poolclass=NullPool,
            connect_args={"server_settings": {"application_name": application_name}},
        )
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """Try to take the lock; a broken connection is replaced on the next try."""
        try:
            async with asyncio.timeout(self.timeout):
                conn = await self._connection()
                result = await conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
                return bool(result.scalar_one())
        except BaseException:
            await self._discard()
            raise

    async def held(self) -> bool:
        """Ask the server whether this connection still holds the lock."""
        if self._conn is None:
            return False
        try:
            async with asyncio.timeout(self.timeout):
                result = await self._conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND pid = pg_backend_pid() AND granted"
                    )
                )
                return int(result.scalar_one()) > 0
        except BaseException:
            await self._discard()
            raise

    async def release(self) -> None:
        """Closing the connection releases the lock."""
        await self._discard()
        await self._engine.dispose()

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self._engine.connect()
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in KEEPALIVES:
                await conn.execute(text(statement))
            self._conn = conn
        return self._conn

    async def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await conn.close()
                return
        with contextlib.suppress(Exception):
            await conn.invalidate()


class FileLock:
    """An exclusive ``flock`` on a file; the kernel drops it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_lock(self) -> bool:
        """Take the lock if nobody holds it (synchronous: for the command line)."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def unlock(self) -> None:
        """Let go of the lock."""
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    async def acquire(self) -> bool:
        """Take the lock if nobody holds it."""
        return self.try_lock()

    async def held(self) -> bool:
        """A held ``flock`` cannot be lost while the process lives."""
        return self._fd is not None

    async def release(self) -> None:
        """Let go of the lock."""
        self.unlock()


class AlwaysHeld:
    """An in-memory database belongs to one process: it always leads."""

    async def acquire(self) -> bool:
        """Always granted."""
        return True

    async def held(self) -> bool:
        """Always held."""
        return True

    async def release(self) -> None:
        """Nothing to release."""
