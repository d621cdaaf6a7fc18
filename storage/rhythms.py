"""Repository functions for group rhythms. Keyword-only, session first, never commit."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import GroupRhythm, Poll, PollStatus


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
