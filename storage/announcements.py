"""Repository functions for announcements. Keyword-only, session first, never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Announcement, AnnouncementStatus, Group, Member, Membership

#: States in which the sender's next message is read as input for the announcement.
AWAITING_INPUT = (AnnouncementStatus.DRAFT, AnnouncementStatus.AWAITING_TIME)
UNFINISHED = (*AWAITING_INPUT, AnnouncementStatus.PREVIEW)


async def open_draft(
    session: AsyncSession, *, sender: Member, group_id: int | None, now: datetime
) -> Announcement:
    """Start a new announcement; any unfinished one of the same sender is dropped."""
    await session.exec(
        update(Announcement)
        .where(
            col(Announcement.sender_id) == sender.id,
            col(Announcement.status).in_(UNFINISHED),
        )
        .values(status=AnnouncementStatus.CANCELLED)
    )
    draft = Announcement(
        sender_id=sender.id,
        sender_chat_id=sender.telegram_id,
        group_id=group_id,
        status=AnnouncementStatus.DRAFT,
        created_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


async def get_awaiting_input(session: AsyncSession, *, sender_id: int) -> Announcement | None:
    """The sender's announcement that waits for their next message, if any."""
    result = await session.exec(
        select(Announcement)
        .where(
            Announcement.sender_id == sender_id,
            col(Announcement.status).in_(AWAITING_INPUT),
        )
        .order_by(col(Announcement.id).desc())
    )
    return result.first()


async def get_announcement(session: AsyncSession, *, announcement_id: int) -> Announcement | None:
    """The announcement with this id."""
    return await session.get(Announcement, announcement_id)


async def transition(
    session: AsyncSession,
    *,
    announcement_id: int,
    from_status: tuple[AnnouncementStatus, ...],
    to_status: AnnouncementStatus,
    **values: Any,
) -> bool:
    """Move the announcement to ``to_status`` only if it is in ``from_status`` (exactly once)."""
    result = await session.exec(
        update(Announcement)
        .where(
            col(Announcement.id) == announcement_id,
            col(Announcement.status).in_(from_status),
        )
        .values(status=to_status, **values)
    )
    return bool(result.rowcount)


async def due_scheduled(session: AsyncSession, *, now: datetime) -> list[Announcement]:
    """Scheduled announcements whose time has come."""
    result = await session.exec(
        select(Announcement)
        .where(
            Announcement.status == AnnouncementStatus.SCHEDULED,
            col(Announcement.scheduled_for) <= now,
        )
        .order_by(col(Announcement.scheduled_for))
    )
    return list(result.all())


async def next_scheduled(session: AsyncSession) -> Announcement | None:
    """The scheduled announcement that goes out next."""
    result = await session.exec(
        select(Announcement)
        .where(Announcement.status == AnnouncementStatus.SCHEDULED)
        .order_by(col(Announcement.scheduled_for))
        .limit(1)
    )
    return result.first()


async def list_recent(
    session: AsyncSession, *, group_ids: set[int] | None, sender_id: int | None, limit: int = 10
) -> list[Announcement]:
    """Recent sent or scheduled announcements; ``group_ids=None`` means every group."""
    stmt = select(Announcement).where(
        col(Announcement.status).in_([AnnouncementStatus.SENDING, AnnouncementStatus.SCHEDULED])
    )
    if group_ids is not None:
        stmt = stmt.where(
            col(Announcement.group_id).in_(group_ids) | (col(Announcement.sender_id) == sender_id)
        )
    result = await session.exec(stmt.order_by(col(Announcement.id).desc()).limit(limit))
    return list(result.all())


async def list_recipients(
    session: AsyncSession, *, group_id: int | None, exclude_member_id: int | None = None
) -> list[Member]:
    """Members who should receive an announcement to a group (None: every active group)."""
    stmt = (
        select(Member)
        .join(Membership, col(Membership.member_id) == col(Member.id))
        .join(Group, col(Group.id) == col(Membership.group_id))
        .where(col(Group.archived_at).is_(None))
        .distinct()
        .order_by(col(Member.id))
    )
    if group_id is not None:
        stmt = stmt.where(Membership.group_id == group_id)
    if exclude_member_id is not None:
        stmt = stmt.where(Member.id != exclude_member_id)
    return list((await session.exec(stmt)).all())


async def linked_chats(session: AsyncSession, *, group_id: int | None) -> list[Group]:
    """Active groups with a linked Telegram group chat among the targets."""
    stmt = select(Group).where(col(Group.chat_id).is_not(None), col(Group.archived_at).is_(None))
    if group_id is not None:
        stmt = stmt.where(Group.id == group_id)
    return list((await session.exec(stmt.order_by(col(Group.id)))).all())
