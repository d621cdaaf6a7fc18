"""Backups: a consistent copy while the bot runs, and putting one back after checking its schema.

SQLite: SQLite's online backup copies the database in one read transaction, so the copy is a
consistent snapshot even while the bot writes (WAL lets it go on writing meanwhile). Restoring
needs the bot stopped (its instance lock free), checks the backup's schema version against the
code's, and swaps the file in with one rename; the replaced database is kept beside it.

PostgreSQL: ``pg_dump --format=custom`` makes the copy (it reads in one snapshot too);
:func:`restore_postgres` checks the archive's schema version with ``pg_restore`` and restores it
in a single transaction, refusing while any Gremium process is connected (Gremium's connections
carry the application name "gremium") or holds the leader lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import APPLICATION_NAME
from storage.locks import AdvisoryLock, FileLock, lock_path

#: How long to wait for a database the bot is writing to.
BUSY_TIMEOUT = 30.0
#: The restore's own connections, which do not count as a running Gremium.
RESTORE_NAME = f"{APPLICATION_NAME}-restore"


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why and what to do."""


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


# -- SQLite ---------------------------------------------------------------------------------


def backup_sqlite(
    database: Path, target: Path, *, now: datetime | None = None
) -> tuple[Path, str]:
    """Copy ``database`` to ``target`` (a file, or a directory to put a dated file in).

    Returns the file written and its schema version. The copy is written beside the target
    and renamed into place, so ``target`` is never a half-written file.
    """
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if target.is_dir():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        target = target / f"gremium-{stamp}.db"
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        with (
            contextlib.closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT)) as source,
            contextlib.closing(sqlite3.connect(part)) as copy,
        ):
            source.backup(copy)  # one step: one read transaction, one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            revision = _check(copy, part)
        _fsync(part)
        os.replace(part, target)
        _fsync(target.parent)
    except sqlite3.Error as exc:
        part.unlink(missing_ok=True)
        raise BackupError(f"the backup failed: {exc}") from None
    return target, revision


def sqlite_revision(path: Path) -> str:
    """The schema version of the SQLite database file at ``path`` (checked for damage first)."""
    if not path.is_file():
        raise BackupError(f"there is no file at {path}")
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)) as conn:
            return _check(conn, path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from None


def restore_sqlite(backup: Path, database: Path, *, expected: str) -> Path | None:
    """Put ``backup`` in place of ``database``; returns where the old database was kept.

    Refused if the backup's schema version is not ``expected`` or the bot is running.
    """
    check_revision(backup, sqlite_revision(backup), expected)
    lock = FileLock(lock_path(database))
    if not lock.try_lock():
        raise BackupError(
            f"Gremium is running on {database}. Stop it first "
            "(systemctl stop gremium), then restore."
        )
    try:
        part = database.with_name(database.name + ".restoring")
        part.unlink(missing_ok=True)
        uri = backup.resolve().as_uri() + "?mode=ro"
        with (
            contextlib.closing(sqlite3.connect(uri, uri=True)) as source,
            contextlib.closing(sqlite3.connect(part)) as copy,
        ):
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        _fsync(part)
        kept = _keep_current(database)
        for suffix in ("-wal", "-shm"):  # a stale WAL would be replayed into the new file
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.replace(part, database)
        _fsync(database.parent)
        return kept
    finally:
        lock.unlock()


def _keep_current(database: Path) -> Path | None:
    """Fold the WAL into the database file and keep it as ``<name>.before-restore``."""
    if not database.exists():
        return None
    with contextlib.closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kept = database.with_name(database.name + ".before-restore")
    kept.unlink(missing_ok=True)
    try:
        os.link(database, kept)
    except OSError:
        shutil.copy2(database, kept)
    return kept


def _check(conn: sqlite3.Connection, path: Path) -> str:
    (result,) = conn.execute("PRAGMA quick_check").fetchone()
    if result != "ok":
        raise BackupError(f"{path} is damaged: {result}")
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupError(f"{path} is not a Gremium database (it has no schema version)")
    return str(row[0])


def check_revision(path: Path, revision: str, expected: str) -> None:
    """Refuse a backup made with another schema version."""
    if revision != expected:
        raise BackupError(
            f"{path} has schema version {revision}, this Gremium expects {expected}. Restore it "
            "with the Gremium version that made it; an older backup can also be put in place by "
            "hand (bot stopped) and brought up to date with: gremium db upgrade"
        )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- PostgreSQL -----------------------------------------------------------------------------


def libpq_url(url: str) -> str:
    """The URL for pg_dump and pg_restore: no driver name, and no password (use ~/.pgpass)."""
    parsed = make_url(url)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    return plain.render_as_string(hide_password=False)


def pg_dump_command(url: str, target: Path) -> str:
    """The command that backs up the database at ``url`` to ``target``."""
    return f"pg_dump --format=custom --file={target} '{libpq_url(url)}'"


_COPY = re.compile(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)\n", re.M)


async def dump_revision(archive: Path) -> str:
    """The schema version inside a ``pg_dump --format=custom`` archive."""
    if not await asyncio.to_thread(archive.is_file):
        raise BackupError(f"there is no file at {archive}")
    out, err, code = await _run(
        "pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(archive)
    )
    if code != 0:
        raise BackupError(
            f"{archive} is not a pg_dump archive (make backups with pg_dump --format=custom): "
            f"{err.strip()}"
        )
    match = _COPY.search(out)
    if match is None or not match.group(1) or match.group(1) == "\\.":
        raise BackupError(f"{archive} is not a Gremium database (it has no schema version)")
    return match.group(1).strip()


async def restore_postgres(archive: Path, url: str, *, expected: str) -> None:
    """Restore a pg_dump archive into the database at ``url``, in one transaction."""
    check_revision(archive, await dump_revision(archive), expected)
    lock = AdvisoryLock(url, application_name=RESTORE_NAME)
    try:
        connected = await _gremium_connections(url)
        if connected or not await lock.acquire():
            raise BackupError(
                "Gremium is still running on this database "
                f"({connected or 'the leader'} connected). Stop every instance "
                "(systemctl stop gremium on each host), then restore."
            )
        _, err, code = await _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={libpq_url(url)}",
            str(archive),
            password=make_url(url).password,
        )
        if code != 0:
            raise BackupError(f"pg_restore failed; nothing was changed: {err.strip()}")
    finally:
        await lock.release()


async def _gremium_connections(url: str) -> int:
    """How many connections of Gremium processes (other than this one) the database has."""
    engine = create_async_engine(
        url,
        poolclass=NullPool,
        connect_args={"server_settings": {"application_name": RESTORE_NAME}},
    )
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name LIKE :name AND application_name <> :own"
                ),
                {"name": f"{APPLICATION_NAME}%", "own": RESTORE_NAME},
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


async def _run(*argv: str, password: str | None = None) -> tuple[str, str, int]:
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except FileNotFoundError:
        raise BackupError(
            f"{argv[0]} is not installed (Debian: apt install postgresql-client)"
        ) from None
    out, err = await proc.communicate()
    return out.decode(errors="replace"), err.decode(errors="replace"), proc.returncode or 0
