"""The inbox of updates from Telegram: stored on arrival, marked when handled, pruned later.

Keyword-only functions, session first, never commit.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, null, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import InboundUpdate


async def store(
    session: AsyncSession, *, update_id: int, payload: dict[str, Any], now: datetime
) -> bool:
    """Keep a newly arrived update; False if this update_id was stored before (a repeat)."""
    bind = session.bind
    insert = pg_insert if bind is not None and bind.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(InboundUpdate)
        .values(update_id=update_id, payload=payload, received_at=now, replays=0)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(col(InboundUpdate.update_id))
    )
    result = await session.exec(stmt)
    return result.first() is not None


async def store_many(
    session: AsyncSession, *, updates: list[tuple[int, dict[str, Any]]], now: datetime
) -> set[int]:
    """Keep newly arrived updates ``(update_id, payload)`` in one statement; returns the ids
    that were new (the others were stored before: repeats)."""
    if not updates:
        return set()
    connection = await session.connection()
    # One cached statement for many rows (executemany): a statement with every row in its
    # VALUES would be compiled anew for each batch.
    result = await connection.execute(
        _store_statement(connection.dialect.name),
        [
            {"update_id": uid, "payload": payload, "received_at": now, "replays": 0}
            for uid, payload in updates
        ],
    )
    return {int(row[0]) for row in result.all()}


@functools.cache
def _store_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING update_id, in the dialect's spelling."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(InboundUpdate.__table__)  # type: ignore[attr-defined]
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(InboundUpdate.__table__.c.update_id)  # type: ignore[attr-defined]
    )


async def mark_handled(session: AsyncSession, *, update_id: int, now: datetime) -> None:
    """The handlers are done with the update: forget its content, keep its id."""
    await session.exec(
        update(InboundUpdate)
        .where(col(InboundUpdate.update_id) == update_id)
        .values(handled_at=now, payload=null())  # SQL NULL, not JSON null
    )


async def mark_many_handled(
    session: AsyncSession, *, update_ids: list[int], now: datetime
) -> None:
    """:func:`mark_handled` for several updates in one statement."""
    connection = await session.connection()
    await connection.execute(_mark_statement(), {"ids": update_ids, "now": now})


@functools.cache
def _mark_statement() -> Any:
    """Mark the updates ``ids`` handled at ``now`` and drop their content."""
    table = InboundUpdate.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.update_id.in_(bindparam("ids", expanding=True)))
        .values(handled_at=bindparam("now"), payload=null())  # SQL NULL, not JSON null
    )


async def list_unhandled(session: AsyncSession) -> list[InboundUpdate]:
    """Updates that arrived but were not handled (the process stopped meanwhile), in order."""
    result = await session.exec(
        select(InboundUpdate)
        .where(col(InboundUpdate.handled_at).is_(None))
        .order_by(col(InboundUpdate.update_id))
    )
    return list(result.all())


async def count_replay(session: AsyncSession, *, update_id: int) -> None:
    """Note that the update is handed to the handlers once more."""
    await session.exec(
        update(InboundUpdate)
        .where(col(InboundUpdate.update_id) == update_id)
        .values(replays=col(InboundUpdate.replays) + 1)
    )


async def prune(session: AsyncSession, *, before: datetime) -> int:
    """Delete what arrived before ``before``; returns how many rows went."""
    result = await session.exec(
        delete(InboundUpdate).where(col(InboundUpdate.received_at) < before)
    )
    return int(result.rowcount or 0)
