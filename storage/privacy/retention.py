"""Retention sweeps: members gone quiet, votes of polls long over, counts frozen before."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import polls as poll_repo
from storage.models import Member, Membership, Poll, PollOption, PollStatus, Vote
from storage.types import UTCDateTime

#: Polls that are over: their counts are frozen on the options, the votes are history.
DECIDED = (PollStatus.CHOOSING, PollStatus.CLOSED)
FINISHED_POLLS = (*DECIDED, PollStatus.CANCELLED)


async def freeze_poll_counts(session: AsyncSession, *, votes: Any) -> int:
    """Freeze the counts of decided polls with ``votes`` whose counts are not stored yet."""
    unfrozen = select(PollOption.poll_id).where(col(PollOption.yes_count).is_(None))
    voted = select(Vote.poll_id).where(votes)
    result = await session.exec(
        select(Poll).where(
            col(Poll.status).in_(DECIDED), col(Poll.id).in_(voted), col(Poll.id).in_(unfrozen)
        )
    )
    polls = list(result.all())
    for poll in polls:
        await poll_repo.freeze_counts(session, poll=poll)
    return len(polls)


async def inactive_members(
    session: AsyncSession, *, cutoff: datetime, keep: Collection[int] = ()
) -> list[Member]:
    """Members unreachable since ``cutoff`` or earlier, or in no group since then (except the
    Telegram ids in ``keep`` for the latter: the organisers need no group)."""
    # Both conditions start from an indexed column, so the pass reads only the members it is
    # about to delete, however many there are; membership is checked for those alone.
    in_a_group = exists().where(col(Membership.member_id) == col(Member.id))
    groupless = and_(
        col(Member.left_all_groups_at) <= cutoff,
        col(Member.telegram_id).not_in(keep),
        ~in_a_group,
    )
    result = await session.exec(
        select(Member)
        .where(or_(col(Member.unreachable_since) <= cutoff, groupless))
        .order_by(col(Member.id))
    )
    return list(result.all())


async def drop_old_votes(session: AsyncSession, *, cutoff: datetime) -> int:
    """Delete the per-member votes of polls that ended at ``cutoff`` or earlier; their counts
    stay on the options. Returns how many votes went."""
    ended = func.coalesce(col(Poll.closed_at), col(Poll.created_at), type_=UTCDateTime)
    old = select(Poll.id).where(col(Poll.status).in_(FINISHED_POLLS), ended <= cutoff)
    await freeze_poll_counts(session, votes=col(Vote.poll_id).in_(old))
    result = await session.exec(delete(Vote).where(col(Vote.poll_id).in_(old)))
    return int(result.rowcount or 0)
