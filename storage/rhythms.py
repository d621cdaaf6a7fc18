"""Repository functions for group rhythms. Keyword-only, session first, never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DueTask, Group, GroupRhythm, Poll, PollStatus, TaskKind


async def get_rhythm(session: AsyncSession, *, group_id: int) -> GroupRhythm | None:
    """The group's rhythm, if it has one."""
    result = await session.exec(select(GroupRhythm).where(GroupRhythm.group_id == group_id))
    return result.first()


async def list_rhythms(session: AsyncSession) -> list[GroupRhythm]:
    """Every stored rhythm."""
    return list((await session.exec(select(GroupRhythm).order_by(col(GroupRhythm.id)))).all())


async def active_poll(session: AsyncSession, *, group_id: int) -> Poll | None:
    """An open poll, one waiting for the coordinator's choice, or a planned draft."""
    result = await session.exec(
        select(Poll)
        .where(
            Poll.group_id == group_id,
            col(Poll.status).in_([PollStatus.OPEN, PollStatus.CHOOSING])
            | ((col(Poll.status) == PollStatus.DRAFT) & col(Poll.planned)),
        )
        .order_by(col(Poll.id).desc())
    )
    return result.first()


async def unplanned_groups(
    session: AsyncSession, *, kinds: Sequence[TaskKind], limit: int
) -> list[int]:
    """Groups with an enabled rhythm that have neither a pending step of ``kinds`` nor a
    poll under way: their next cycle needs planning (a new rhythm, or one never planned).
    Ordered by group id, at most ``limit``; one statement, whatever the number of members."""
    pending = exists().where(
        col(DueTask.ref_id) == col(GroupRhythm.group_id),
        col(DueTask.kind).in_(list(kinds)),
        col(DueTask.done_at).is_(None),
        col(DueTask.cancelled).is_(False),
    )
    under_way = exists().where(
        col(Poll.group_id) == col(GroupRhythm.group_id),
        or_(
            col(Poll.status).in_([PollStatus.OPEN, PollStatus.CHOOSING]),
            and_(col(Poll.status) == PollStatus.DRAFT, col(Poll.planned)),
        ),
    )
    result = await session.exec(
        select(GroupRhythm.group_id)
        .join(Group, col(Group.id) == col(GroupRhythm.group_id))
        .where(
            col(GroupRhythm.enabled),
            col(Group.archived_at).is_(None),
            ~pending,
            ~under_way,
        )
        .order_by(col(GroupRhythm.group_id))
        .limit(limit)
    )
    return list(result.all())
