"""Alembic environment: runs migrations over the async engine Gremium uses."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from alembic import context
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models
import storage.record_models  # noqa: F401  (the meeting record's tables)
from storage.db import create_engine
from storage.locks import MIGRATION_KEY

config = context.config
target_metadata = SQLModel.metadata
#: One line when there is something to migrate (Alembic's own INFO lines show at DEBUG only).
log = logging.getLogger("storage.migrations")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Instances starting together migrate one after the other; the second finds the
            # schema up to date. The lock ends with the transaction.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_KEY})
        current, head = context.get_context().get_current_revision(), context.get_head_revision()
        if current != head:
            log.info("migrating the database from %s to %s", current or "empty", head)
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _check_foreign_keys(connection)


def _all_or_nothing(connection: Any, _record: Any) -> None:
    """SQLite's driver commits on its own before DDL; switch that off (see ``_begin``)."""
    connection.isolation_level = None


def _begin(connection: Connection) -> None:
    """Begin the transaction ourselves, so a migration killed half-way leaves nothing behind
    (PostgreSQL's DDL is transactional anyway).

    Foreign keys are off first (SQLite ignores the pragma inside a transaction): a batch
    migration rebuilds a table by copying it and dropping the original, and with them on,
    dropping ``member`` or ``poll`` would cascade-delete memberships and votes. They are
    checked before the commit instead (see ``_check_foreign_keys``)."""
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a SQLite migration that left a row pointing nowhere."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:10]}")


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _all_or_nothing)
        event.listen(engine.sync_engine, "begin", _begin)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Apply migrations to the database named in the config's ``sqlalchemy.url``."""
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise SystemExit("Gremium runs migrations online only: gremium db upgrade")
run_migrations_online()
