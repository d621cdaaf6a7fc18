"""SQLite backups: a self-contained copy, and a restore that checks before it replaces."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import migrate
from storage.backup import (
    BackupError,
    backup_sqlite,
    dump_revision,
    libpq_url,
    pg_dump_command,
    restore_postgres,
    restore_sqlite,
    sqlite_file,
    sqlite_revision,
)
from storage.db import create_engine
from storage.locks import FileLock, lock_path
from tests.conftest import NO_POSTGRES, POSTGRES_URL

HEAD = migrate.head_revision()


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> Path:
    """A migrated SQLite database in WAL mode with one group in it."""
    path = tmp_path / "live" / "gremium.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    _add_group(path, "bildung")
    return path


def _add_group(path: Path, slug: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "INSERT INTO workgroup (slug, name, timezone, created_at, poll_quorum, confirm_dates,"
            " poll_reminder_hours) VALUES (?, ?, 'Europe/Berlin', '2026-11-24 09:00:00', 0, 0,"
            " '[]')",
            (slug, slug.title()),
        )
    conn.close()


def _slugs(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT slug FROM workgroup ORDER BY id")]
    finally:
        conn.close()


def test_backup_is_one_consistent_file(database: Path, tmp_path: Path) -> None:
    """The copy holds the data, carries the schema version and needs no WAL file beside it."""
    written, revision = backup_sqlite(database, tmp_path / "backup.db")
    assert written == tmp_path / "backup.db"
    assert revision == HEAD == sqlite_revision(written)
    assert _slugs(written) == ["bildung"]
    assert not Path(f"{written}-wal").exists()
    assert not (tmp_path / "backup.db.part").exists()


def test_backup_into_a_directory_gets_a_dated_name(database: Path, tmp_path: Path) -> None:
    """Given a directory, the backup is written into it with the time in its name."""
    target = tmp_path / "backups"
    target.mkdir()
    when = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    written, _ = backup_sqlite(database, target, now=when)
    assert written == target / "gremium-20261124-093000.db"


def test_restore_replaces_the_database_and_keeps_the_old_one(
    database: Path, tmp_path: Path
) -> None:
    """After a restore the database is the backup; the replaced one is kept beside it."""
    backup, _ = backup_sqlite(database, tmp_path / "backup.db")
    _add_group(database, "kultur")  # written after the backup
    Path(f"{database}-wal").write_bytes(b"")  # a stale WAL must not survive the swap
    kept = restore_sqlite(backup, database, expected=HEAD)
    assert _slugs(database) == ["bildung"]
    assert kept == database.with_name("gremium.db.before-restore")
    assert _slugs(kept) == ["bildung", "kultur"]
    assert not Path(f"{database}-wal").exists()


def test_restore_refuses_another_schema_version(database: Path, tmp_path: Path) -> None:
    """A backup made by another version of Gremium is refused, and nothing changes."""
    backup, _ = backup_sqlite(database, tmp_path / "backup.db")
    with sqlite3.connect(backup) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    with pytest.raises(BackupError, match=f"has schema version 0001, this Gremium expects {HEAD}"):
        restore_sqlite(backup, database, expected=HEAD)
    assert not database.with_name("gremium.db.before-restore").exists()


def test_restore_refuses_while_the_bot_runs(database: Path, tmp_path: Path) -> None:
    """While a running bot holds the instance lock, restore says to stop it first."""
    backup, _ = backup_sqlite(database, tmp_path / "backup.db")
    running = FileLock(lock_path(database))
    assert running.try_lock()
    try:
        with pytest.raises(BackupError, match=r"Gremium is running on .* Stop it first"):
            restore_sqlite(backup, database, expected=HEAD)
    finally:
        running.unlock()
    assert restore_sqlite(backup, database, expected=HEAD) is not None


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"hello, this is not a database at all, just some text" * 20, "not a SQLite database"),
        (None, "not a Gremium database"),
    ],
)
def test_restore_refuses_what_is_not_a_gremium_backup(
    database: Path, tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    """A file that is not SQLite, or a SQLite file without Gremium's schema, is refused."""
    path = tmp_path / "other.db"
    if content is None:
        sqlite3.connect(path).close()
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x)")
        conn.close()
    else:
        path.write_bytes(content)
    with pytest.raises(BackupError, match=fragment):
        restore_sqlite(path, database, expected=HEAD)
    with pytest.raises(BackupError, match="there is no file"):
        restore_sqlite(tmp_path / "missing.db", database, expected=HEAD)


def test_urls_for_the_tools() -> None:
    """The SQLite file is found in the URL; pg_dump gets a URL without driver and password."""
    assert sqlite_file("sqlite+aiosqlite:///data/gremium.db") == Path("data/gremium.db")
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://u:pw@h/db") is None
    url = "postgresql+asyncpg://gremium:s3cret@db.example:5433/gremium"
    assert libpq_url(url) == "postgresql://gremium@db.example:5433/gremium"
    assert pg_dump_command(url, Path("/var/backups/g.dump")) == (
        "pg_dump --format=custom --file=/var/backups/g.dump "
        "'postgresql://gremium@db.example:5433/gremium'"
    )


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
async def test_postgres_restore_refuses_while_gremium_is_connected(
    postgres_database: str, tmp_path: Path
) -> None:
    """A standby holds no lock but is connected: the restore is refused all the same."""
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    dump = tmp_path / "gremium.dump"
    proc = await asyncio.create_subprocess_exec(
        "pg_dump", "--format=custom", f"--file={dump}", libpq_url(postgres_database)
    )
    assert await proc.wait() == 0
    assert await dump_revision(dump) == HEAD
    engine = create_engine(postgres_database)
    try:
        async with engine.connect():
            with pytest.raises(
                BackupError, match=r"still running on this database \(1 connected\)"
            ):
                await restore_postgres(dump, postgres_database, expected=HEAD)
    finally:
        await engine.dispose()
    with pytest.raises(BackupError, match="has schema version"):
        await restore_postgres(dump, postgres_database, expected="0000")
    (tmp_path / "junk.dump").write_text("junk")
    with pytest.raises(BackupError, match="is not a pg_dump archive"):
        await restore_postgres(tmp_path / "junk.dump", postgres_database, expected=HEAD)
