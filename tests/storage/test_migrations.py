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


def test_0006_marks_exactly_the_members_in_no_group(empty_database: str) -> None:
    """After 0006 a member's ``left_all_groups_at`` is set exactly while they are in no group:
    kept for one who left their last group, their consent time for one who never joined, and
    cleared for everyone in a group (the retention pass then reads only candidates)."""
    import asyncio

    from sqlalchemy import text

    migrate.upgrade(empty_database, "0005")

    async def run(sql: str) -> list[tuple[object, ...]]:
        engine = create_engine(empty_database)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(sql))
                return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
        finally:
            await engine.dispose()

    created, left = "2025-01-01 10:00:00+00:00", "2025-06-01 10:00:00+00:00"
    asyncio.run(
        run(
            "INSERT INTO workgroup (id, slug, name, timezone, created_at, chat_id, poll_quorum, "
            "confirm_dates, poll_reminder_hours) VALUES "
            f"(1, 'bildung', 'Bildung', 'Europe/Berlin', '{created}', NULL, 0, false, '[48, 6]')"
        )
    )
    for mid, gone in ((1, "NULL"), (2, "NULL"), (3, f"'{left}'"), (4, f"'{left}'")):
        asyncio.run(
            run(
                "INSERT INTO member (id, telegram_id, first_name, language, consent_at, "
                "consent_version, created_at, left_all_groups_at) VALUES "
                f"({mid}, {100 + mid}, 'M{mid}', 'de', '{created}', 1, '{created}', {gone})"
            )
        )
    for mid in (1, 4):  # 1 is in a group; 4 left one and joined another (old rows kept the time)
        asyncio.run(
            run(
                "INSERT INTO membership (member_id, group_id, role, joined_at) VALUES "
                f"({mid}, 1, 'member', '{created}')"
            )
        )
    migrate.upgrade(empty_database)
    rows = asyncio.run(run("SELECT id, left_all_groups_at FROM member ORDER BY id"))
    marked = {mid: value is not None for mid, value in rows}
    assert marked == {1: False, 2: True, 3: True, 4: False}
    kept = dict(rows)
    assert str(kept[3]).startswith("2025-06-01") and str(kept[2]).startswith("2025-01-01")


def test_0007_gives_claims_an_owner_and_a_lease(empty_database: str) -> None:
    """A populated database at 0006 upgrades to head: its deliveries keep every column, and a
    row left 'sending' by the old version has no owner and no lease, so it counts as expired
    and the next dispatcher sends it.

    Planted bug it catches: 0007 giving old claims a lease in the future (or a NOT NULL
    column without a default, which fails on a populated table)."""
    import asyncio
    from datetime import UTC, datetime

    from sqlalchemy import text

    from storage import outbox
    from storage.db import make_sessionmaker

    migrate.upgrade(empty_database, "0006")

    async def run(sql: str) -> list[tuple[object, ...]]:
        engine = create_engine(empty_database)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(sql))
                return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
        finally:
            await engine.dispose()

    created = "2026-11-01 10:00:00+00:00"
    for did, status in ((1, "sent"), (2, "sending"), (3, "pending")):
        asyncio.run(
            run(
                "INSERT INTO delivery (id, dedupe_key, kind, chat_id, payload, parts_sent, "
                "message_ids, status, urgent, pin, not_before, attempts, created_at) VALUES "
                f"({did}, 'a1:{did}', 'announcement', {100 + did}, "
                '\'[{"method": "sendMessage", "params": {"text": "Hallo"}}]\', 0, \'[]\', '
                f"'{status}', false, false, '{created}', 0, '{created}')"
            )
        )
    migrate.upgrade(empty_database)
    rows = asyncio.run(
        run("SELECT id, status, chat_id, claimed_by, lease_until FROM delivery ORDER BY id")
    )
    assert rows == [
        (1, "sent", 101, None, None),
        (2, "sending", 102, None, None),
        (3, "pending", 103, None, None),
    ]

    async def reclaim() -> int:
        engine = create_engine(empty_database)
        try:
            async with make_sessionmaker(engine).begin() as session:
                return await outbox.reclaim_expired(session, now=datetime.now(UTC))
        finally:
            await engine.dispose()

    assert asyncio.run(reclaim()) == 1
    assert asyncio.run(run("SELECT status FROM delivery WHERE id = 2")) == [("pending",)]
