"""Migrations bring an empty database to head, and head matches the models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage import migrate
from storage.db import create_engine
from tests.conftest import (
    NO_POSTGRES,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"gremium_migration_{os.getpid()}"
    yield create_postgres_database(name)
    drop_postgres_database(name)


def test_upgrade_empty_database_to_head(empty_database: str) -> None:
    """`gremium db upgrade` on an empty database leaves it at head with no drift from the models."""
    import asyncio

    migrate.upgrade(empty_database)
    migrate.upgrade(empty_database)  # a second run is a no-op

    async def inspect() -> tuple[str | None, list[object]]:
        engine = create_engine(empty_database)
        try:
            rev = await migrate.current_revision(engine)
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}),
                        SQLModel.metadata,
                    )
                )
            return rev, diff
        finally:
            await engine.dispose()

    rev, diff = asyncio.run(inspect())
    assert rev == migrate.head_revision()
    assert diff == []
