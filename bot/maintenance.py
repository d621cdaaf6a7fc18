"""``gremium db backup PATH`` and ``gremium db restore PATH``: the command-line side."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from storage import backup, migrate


def backup_command(settings: Settings, target: Path) -> int:
    """Copy the SQLite database while the bot runs; for PostgreSQL, name the pg_dump command."""
    database = backup.sqlite_file(settings.database_url)
    if database is None:
        print(
            "gremium: PostgreSQL databases are backed up with pg_dump, which makes a consistent "
            "copy while Gremium runs:\n"
            f"  {backup.pg_dump_command(settings.database_url, target)}\n"
            "(the password comes from ~/.pgpass or PGPASSWORD). Restore it with: "
            f"gremium db restore {target}",
            file=sys.stderr,
        )
        return 2
    try:
        written, revision = backup.backup_sqlite(database, target)
    except backup.BackupError as exc:
        print(f"gremium: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {written} (schema version {revision})")
    return 0


def restore_command(settings: Settings, source: Path) -> int:
    """Put a backup back after checking its schema version; the bot must be stopped."""
    head = migrate.head_revision()
    try:
        database = backup.sqlite_file(settings.database_url)
        if database is None:
            asyncio.run(backup.restore_postgres(source, settings.database_url, expected=head))
            print(f"restored {source} (schema version {head})")
            return 0
        kept = backup.restore_sqlite(source, database, expected=head)
    except backup.BackupError as exc:
        print(f"gremium: {exc}", file=sys.stderr)
        return 1
    print(f"restored {source} to {database} (schema version {head})")
    if kept is not None:
        print(f"the database it replaced is kept as {kept}")
    return 0
