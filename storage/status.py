"""What the admins' status view reads: the outbox, unreachable members, the next due work.

Keyword-only, session first, read only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Announcement,
    AnnouncementStatus,
    Delivery,
    DeliveryStatus,
    DueTask,
    Group,
    Meeting,
    Member,
    Poll,
    TaskKind,
)

#: Task kinds whose ``ref_id`` is a poll, a meeting or a group.
_POLL_TASKS = (TaskKind.POLL_CLOSE, TaskKind.POLL_REMINDER)
_MEETING_TASKS = (TaskKind.MEETING_REMINDER,)
ANNOUNCEMENT = "announcement"


@dataclass(frozen=True)
class Step:
    """One piece of scheduled work: a due task's kind or ``"announcement"``, and its group."""

    due_at: datetime
    kind: str
    group: str | None


def describe_database(url: str) -> str:
    """Backend and where it is, never the password: ``PostgreSQL db.example:5432/gremium``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return f"PostgreSQL {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"
    return f"SQLite {parsed.database or ':memory:'}"


async def ping(session: AsyncSession) -> None:
    """A round trip to the database; raises if it does not answer."""
    conn = await session.connection()
    await conn.execute(text("SELECT 1"))


async def delivery_counts(session: AsyncSession) -> Counter[DeliveryStatus]:
    """How many outbox rows are in each state."""
    result = await session.exec(
        select(Delivery.status, func.count(col(Delivery.id))).group_by(col(Delivery.status))
    )
    return Counter({DeliveryStatus(status): int(n) for status, n in result.all()})


async def count_in_flight(session: AsyncSession) -> int:
    """Rows claimed by a dispatcher and not finished: a request for them may be under way."""
    result = await session.exec(
        select(func.count(col(Delivery.id))).where(Delivery.status == DeliveryStatus.SENDING)
    )
    return int(result.one())


async def count_unreachable_members(session: AsyncSession) -> int:
    """Members who blocked the bot (a send to them was refused)."""
    result = await session.exec(
        select(func.count(col(Member.id))).where(col(Member.unreachable_since).is_not(None))
    )
    return int(result.one())


async def next_steps(session: AsyncSession, *, limit: int = 5) -> list[Step]:
    """The next open due tasks and scheduled announcements, soonest first."""
    tasks = await session.exec(
        select(DueTask)
        .where(col(DueTask.done_at).is_(None), col(DueTask.cancelled).is_(False))
        .order_by(col(DueTask.due_at), col(DueTask.id))
        .limit(limit)
    )
    steps = [
        Step(task.due_at, str(task.kind), await _group_of_task(session, task))
        for task in tasks.all()
    ]
    announcements = await session.exec(
        select(Announcement.scheduled_for, Group.name)
        .join(Group, col(Group.id) == col(Announcement.group_id), isouter=True)
        .where(
            Announcement.status == AnnouncementStatus.SCHEDULED,
            col(Announcement.scheduled_for).is_not(None),
        )
        .order_by(col(Announcement.scheduled_for))
        .limit(limit)
    )
    steps += [Step(when, ANNOUNCEMENT, name) for when, name in announcements.all() if when]
    return sorted(steps, key=lambda s: s.due_at)[:limit]


async def _group_of_task(session: AsyncSession, task: DueTask) -> str | None:
    if task.kind in _POLL_TASKS:
        stmt = select(Group.name).join(Poll, col(Poll.group_id) == col(Group.id))
        stmt = stmt.where(Poll.id == task.ref_id)
    elif task.kind in _MEETING_TASKS:
        stmt = select(Group.name).join(Meeting, col(Meeting.group_id) == col(Group.id))
        stmt = stmt.where(Meeting.id == task.ref_id)
    else:  # the cadence tasks refer to the group itself
        stmt = select(Group.name).where(Group.id == task.ref_id)
    return (await session.exec(stmt)).first()
