"""Due work as rows: scheduled once, claimed exactly once. Keyword-only, session first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DueTask, TaskKind


async def schedule(
    session: AsyncSession, *, kind: TaskKind, ref_id: int, due_at: datetime
) -> DueTask | None:
    """Add a task unless the same one (kind, thing, time) exists; None if it did."""
    found = await session.exec(
        select(DueTask).where(
            DueTask.kind == kind, DueTask.ref_id == ref_id, DueTask.due_at == due_at
        )
    )
    existing = found.first()
    if existing is not None:
        if existing.cancelled and existing.done_at is None:
            existing.cancelled = False
            session.add(existing)
        return None
    task = DueTask(kind=kind, ref_id=ref_id, due_at=due_at)
    session.add(task)
    return task


async def list_due(session: AsyncSession, *, now: datetime, limit: int = 200) -> list[DueTask]:
    """Open tasks whose time has come, oldest first."""
    result = await session.exec(
        select(DueTask)
        .where(
            col(DueTask.done_at).is_(None),
            col(DueTask.cancelled).is_(False),
            col(DueTask.due_at) <= now,
        )
        .order_by(col(DueTask.due_at), col(DueTask.id))
        .limit(limit)
    )
    return list(result.all())


async def claim(session: AsyncSession, *, task_id: int, now: datetime) -> bool:
    """Mark the task done; False if another sweep already did (so the work is done once)."""
    result = await session.exec(
        update(DueTask)
        .where(
            col(DueTask.id) == task_id,
            col(DueTask.done_at).is_(None),
            col(DueTask.cancelled).is_(False),
        )
        .values(done_at=now)
    )
    return bool(result.rowcount)


async def cancel(session: AsyncSession, *, kind: TaskKind, ref_id: int) -> int:
    """Cancel the open tasks of a kind for one thing (a poll closed early, a meeting moved)."""
    result = await session.exec(
        update(DueTask)
        .where(
            col(DueTask.kind) == kind,
            col(DueTask.ref_id) == ref_id,
            col(DueTask.done_at).is_(None),
        )
        .values(cancelled=True)
    )
    return int(result.rowcount or 0)


async def next_due(session: AsyncSession) -> datetime | None:
    """When the next open task falls due."""
    result = await session.exec(
        select(DueTask.due_at)
        .where(col(DueTask.done_at).is_(None), col(DueTask.cancelled).is_(False))
        .order_by(col(DueTask.due_at))
        .limit(1)
    )
    return result.first()


async def open_for(
    session: AsyncSession, *, kinds: tuple[TaskKind, ...], ref_id: int
) -> list[DueTask]:
    """The open tasks of these kinds for one thing, soonest first."""
    result = await session.exec(
        select(DueTask)
        .where(
            col(DueTask.kind).in_(kinds),
            DueTask.ref_id == ref_id,
            col(DueTask.done_at).is_(None),
            col(DueTask.cancelled).is_(False),
        )
        .order_by(col(DueTask.due_at))
    )
    return list(result.all())
