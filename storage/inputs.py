"""What a member is in the middle of typing: one flow at a time. Keyword-only, never commit."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.announcements import UNFINISHED
from storage.models import Announcement, AnnouncementStatus, DraftStep, Meeting, Poll, PollStatus
from storage.record_models import RecordInput


async def clear_pending_inputs(session: AsyncSession, *, member_id: int) -> None:
    """Starting a new flow ends any other one waiting for this member's text."""
    await session.exec(
        update(Announcement)
        .where(col(Announcement.sender_id) == member_id, col(Announcement.status).in_(UNFINISHED))
        .values(status=AnnouncementStatus.CANCELLED)
    )
    await session.exec(
        update(Poll)
        .where(
            col(Poll.author_id) == member_id,
            col(Poll.status) == PollStatus.DRAFT,
            col(Poll.planned).is_(False),  # a planned poll stays: it opens on its day anyway
        )
        .values(status=PollStatus.CANCELLED, step=None)
    )
    await session.exec(
        update(Poll)
        .where(col(Poll.author_id) == member_id, col(Poll.step).is_not(None))
        .values(step=None)
    )
    await session.exec(
        update(Meeting).where(col(Meeting.editing_by) == member_id).values(editing_by=None)
    )
    await session.exec(delete(RecordInput).where(col(RecordInput.member_id) == member_id))


__all__ = ["DraftStep", "clear_pending_inputs"]
