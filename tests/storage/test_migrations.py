"""Migrations bring an empty database to head, and head matches the models."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, insert, text
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


# -- upgrading a populated database ---------------------------------------------------------

_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
#: A row for every table at head (values for every column any revision has), in the order of
#: their foreign keys; at an older revision only the tables and columns it has are written.
_ROWS: dict[str, list[dict[str, Any]]] = {
    "member": [
        {
            "id": i,
            "telegram_id": 100 + i,
            "first_name": f"M{i}",
            "last_name": None,
            "username": f"m{i}",
            "language": "de",
            "consent_at": _AT,
            "consent_version": 1,
            "unreachable_since": None,
            "created_at": _AT,
            "left_all_groups_at": None,
        }
        for i in (1, 2)
    ],
    "workgroup": [
        {
            "id": 1,
            "slug": "bildung",
            "name": "Bildung",
            "timezone": "Europe/Berlin",
            "created_at": _AT,
            "archived_at": None,
            "chat_id": -100,
            "poll_quorum": 0,
            "confirm_dates": False,
            "poll_reminder_hours": [48, 6],
        }
    ],
    "membership": [
        {"id": 1, "member_id": 1, "group_id": 1, "role": "coordinator", "joined_at": _AT},
        {"id": 2, "member_id": 2, "group_id": 1, "role": "member", "joined_at": _AT},
    ],
    "announcement": [
        {
            "id": 1,
            "sender_id": 1,
            "sender_chat_id": 101,
            "group_id": 1,
            "status": "sent",
            "content_kind": "text",
            "text_html": "<b>Treffen</b>",
            "file_id": None,
            "urgent": False,
            "pin": False,
            "scheduled_for": None,
            "created_at": _AT,
            "released_at": _AT,
            "report_message_id": 5,
        }
    ],
    "delivery": [
        {
            "id": 1,
            "dedupe_key": "a1:102",
            "kind": "announcement",
            "announcement_id": 1,
            "member_id": 2,
            "chat_id": 102,
            "payload": [{"text": "x"}],
            "parts_sent": 1,
            "message_ids": [7],
            "status": "sent",
            "urgent": False,
            "pin": False,
            "not_before": _AT,
            "attempts": 1,
            "last_error": None,
            "created_at": _AT,
            "sent_at": _AT,
        }
    ],
    "due_task": [
        {
            "id": 1,
            "kind": "poll_close",
            "ref_id": 1,
            "due_at": _AT,
            "done_at": None,
            "cancelled": False,
        }
    ],
    "poll": [
        {
            "id": 1,
            "group_id": 1,
            "author_id": 1,
            "status": "open",
            "step": None,
            "location": "Rathaus",
            "note": None,
            "duration_minutes": 120,
            "deadline": _AT,
            "quorum": 0,
            "created_at": _AT,
            "opened_at": _AT,
            "closed_at": None,
            "planned": False,
        }
    ],
    "poll_option": [
        {
            "id": i,
            "poll_id": 1,
            "starts_at": _AT,
            "ends_at": None,
            "all_day": False,
            "removed": False,
            "yes_count": None,
            "maybe_count": None,
            "no_count": None,
        }
        for i in (1, 2)
    ],
    "vote": [
        {
            "id": 1,
            "poll_id": 1,
            "option_id": 1,
            "member_id": 1,
            "answer": "yes",
            "updated_at": _AT,
        },
        {"id": 2, "poll_id": 1, "option_id": 2, "member_id": 2, "answer": "no", "updated_at": _AT},
    ],
    "meeting": [
        {
            "id": 1,
            "group_id": 1,
            "poll_id": 1,
            "uid": "m1@gremium",
            "status": "planned",
            "starts_at": _AT,
            "ends_at": None,
            "all_day": False,
            "location": "Rathaus",
            "note": None,
            "sequence": 0,
            "editing_by": None,
            "created_at": _AT,
            "updated_at": _AT,
        }
    ],
    "attendance": [{"id": 1, "meeting_id": 1, "member_id": 2, "coming": True, "updated_at": _AT}],
    "group_rhythm": [
        {
            "id": 1,
            "group_id": 1,
            "enabled": True,
            "per_year": 6,
            "weekdays": [1, 2],
            "window_start": "17:00",
            "window_end": "19:00",
            "duration_minutes": 120,
            "location": None,
            "lead_days": 28,
            "poll_days": 10,
            "candidates": 3,
            "review": True,
            "review_days": 3,
            "last_cycle_center": None,
        }
    ],
    "inbound_update": [
        {"update_id": 1, "payload": None, "received_at": _AT, "handled_at": _AT, "replays": 0}
    ],
}
#: What must read back at head, whatever revision the rows were written at.
_KEPT = {
    "membership": "SELECT member_id, group_id, role FROM membership ORDER BY id",
    "vote": "SELECT member_id, option_id, answer FROM vote ORDER BY id",
    "attendance": "SELECT meeting_id, member_id FROM attendance ORDER BY id",
    "delivery": "SELECT announcement_id, member_id, status FROM delivery ORDER BY id",
    "poll_option": "SELECT id, poll_id FROM poll_option ORDER BY id",
}
_EXPECTED = {
    "membership": [(1, 1, "coordinator"), (2, 1, "member")],
    "vote": [(1, 1, "yes"), (2, 2, "no")],
    "attendance": [(1, 2)],
    "delivery": [(1, 2, "sent")],
    "poll_option": [(1, 1), (2, 1)],
}


async def _populate(url: str) -> dict[str, int]:
    """Write the rows of every table the database has now; returns the count per table."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            tables = await conn.run_sync(lambda sync: _reflect(sync))
            written = {}
            for name, rows in _ROWS.items():
                table = tables.get(name)
                if table is None:
                    continue
                columns = set(table.columns.keys())
                await conn.execute(
                    insert(table), [{k: v for k, v in r.items() if k in columns} for r in rows]
                )
                written[name] = len(rows)
        return written
    finally:
        await engine.dispose()


def _reflect(sync: Any) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(sync)
    return {t.name: t for t in metadata.sorted_tables if t.name != "alembic_version"}


async def _read_back(url: str) -> tuple[dict[str, int], dict[str, list[tuple[Any, ...]]], Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            counts = {
                name: (await conn.execute(text(f"SELECT count(*) FROM {name}"))).scalar_one()
                for name in _ROWS
            }
            kept = {
                name: [tuple(r) for r in (await conn.execute(text(sql))).fetchall()]
                for name, sql in _KEPT.items()
                if counts[name]
            }
            group = (
                await conn.execute(
                    text("SELECT poll_quorum, confirm_dates, poll_reminder_hours FROM workgroup")
                )
            ).one()
        return counts, kept, group
    finally:
        await engine.dispose()


@pytest.mark.parametrize("revision", ["0001", "0002", "0003", "0004", "0005"])
def test_upgrade_a_populated_database_to_head(empty_database: str, revision: str) -> None:
    """A database at each revision, with rows in every table it has, upgrades to head and
    keeps every row: memberships, votes, attendance, deliveries; groups get the default poll
    settings. Planted bugs: 0003 adding NOT NULL columns to ``workgroup`` without a default
    (fails from 0001 and 0002 with groups); ``PRAGMA foreign_keys`` left on while a SQLite
    batch migration rebuilds ``workgroup`` (its cascade deletes the memberships)."""
    migrate.upgrade(empty_database, revision)
    written = asyncio.run(_populate(empty_database))
    assert "member" in written and "workgroup" in written
    migrate.upgrade(empty_database)
    counts, kept, group = asyncio.run(_read_back(empty_database))
    assert {name: counts[name] for name in written} == written
    assert kept == {name: rows for name, rows in _EXPECTED.items() if name in written}
    quorum, confirm, hours = group
    assert (quorum, bool(confirm)) == (0, False)
    assert (json.loads(hours) if isinstance(hours, str) else hours) == [48, 6]


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


def test_0008_upgrades_a_populated_database(empty_database: str) -> None:
    """0008 on a database with a group, a member, a meeting and an answer keeps them all: the
    meeting gains no online link and no check-in token, the group closes proposals 3 days
    before, and the new tables start empty and take rows that refer to the old ones.
    (Seen failing: adding the meeting's columns in a SQLite batch rebuild dropped "meeting"
    under its ON DELETE CASCADE children and lost the attendance row.)"""
    import asyncio

    from sqlalchemy import text

    migrate.upgrade(empty_database, "0006")

    async def run(*sql: str) -> list[tuple[object, ...]]:
        engine = create_engine(empty_database)
        try:
            async with engine.begin() as conn:
                rows: list[tuple[object, ...]] = []
                for statement in sql:
                    result = await conn.execute(text(statement))
                    rows = [tuple(r) for r in result.fetchall()] if result.returns_rows else []
                return rows
        finally:
            await engine.dispose()

    at = "2026-11-01 10:00:00+00:00"
    asyncio.run(
        run(
            "INSERT INTO workgroup (id, slug, name, timezone, created_at, chat_id, poll_quorum, "
            "confirm_dates, poll_reminder_hours) VALUES "
            f"(1, 'bildung', 'Bildung', 'Europe/Berlin', '{at}', NULL, 0, false, '[48, 6]')",
            "INSERT INTO member (id, telegram_id, first_name, language, consent_at, "
            f"consent_version, created_at) VALUES (1, 101, 'Ada', 'de', '{at}', 1, '{at}')",
            "INSERT INTO meeting (id, group_id, uid, status, starts_at, all_day, location, "
            f"sequence, created_at, updated_at) VALUES (1, 1, 'u1@gremium', 'scheduled', "
            f"'2027-01-12 16:00:00+00:00', false, 'Rathaus', 0, '{at}', '{at}')",
            "INSERT INTO attendance (meeting_id, member_id, coming, updated_at) VALUES "
            f"(1, 1, true, '{at}')",
        )
    )
    migrate.upgrade(empty_database)
    assert asyncio.run(run("SELECT agenda_close_days FROM workgroup")) == [(3,)]
    assert asyncio.run(run("SELECT location, online_url, checkin_token FROM meeting")) == [
        ("Rathaus", None, None)
    ]
    assert asyncio.run(run("SELECT member_id, coming FROM attendance")) == [(1, True)]
    asyncio.run(
        run(
            "INSERT INTO agenda_item (meeting_id, author_id, text, status, position, created_at, "
            f"updated_at) VALUES (1, 1, 'Haushalt', 'proposed', 0, '{at}', '{at}')",
            f"INSERT INTO check_in (meeting_id, member_id, source, at) VALUES (1, 1, 'self', '{at}')",
            "INSERT INTO action_item (meeting_id, group_id, text, assignee_id, due_on, "
            f"created_at) VALUES (1, 1, 'Flyer', 1, '2027-02-01', '{at}')",
        )
    )
    assert asyncio.run(run("SELECT count(*) FROM check_in")) == [(1,)]
