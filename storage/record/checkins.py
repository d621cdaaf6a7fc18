"""Attendance answers, check-ins at a meeting, and the meetings and members they concern."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Attendance,
    DueTask,
    Meeting,
    MeetingStatus,
    Member,
    Membership,
    TaskKind,
)
from storage.record_models import CheckIn


async def answers(session: AsyncSession, *, meeting_id: int) -> dict[int, bool]:
    """Member id -> coming, for the members who answered (anonymous answers left out)."""
    result = await session.exec(
        select(Attendance.member_id, Attendance.coming).where(Attendance.meeting_id == meeting_id)
    )
    return {mid: coming for mid, coming in result.all() if mid is not None}


async def answer_of(session: AsyncSession, *, meeting_id: int, member_id: int) -> bool | None:
    """The member's answer (coming or not), None if they gave none."""
    result = await session.exec(
        select(Attendance.coming).where(
            Attendance.meeting_id == meeting_id, Attendance.member_id == member_id
        )
    )
    return result.first()


async def checked_in_ids(session: AsyncSession, *, meeting_id: int) -> set[int]:
    """Members who were at the meeting (anonymous check-ins left out)."""
    result = await session.exec(select(CheckIn.member_id).where(CheckIn.meeting_id == meeting_id))
    return {mid for mid in result.all() if mid is not None}


async def checkin_count(session: AsyncSession, *, meeting_id: int) -> int:
    """How many were at the meeting, forgotten members included."""
    result = await session.exec(
        select(func.count(col(CheckIn.id))).where(CheckIn.meeting_id == meeting_id)
    )
    return int(result.one())


async def check_in(
    session: AsyncSession, *, meeting_id: int, member_id: int, source: str, now: datetime
) -> bool:
    """Record that the member is there; False if they already were."""
    found = await session.exec(
        select(CheckIn).where(CheckIn.meeting_id == meeting_id, CheckIn.member_id == member_id)
    )
    if found.first() is not None:
        return False
    session.add(CheckIn(meeting_id=meeting_id, member_id=member_id, source=source, at=now))
    await session.flush()
    return True


async def undo_check_in(session: AsyncSession, *, meeting_id: int, member_id: int) -> bool:
    """Remove the member from the list (a coordinator's correction); False if not on it."""
    result = await session.exec(
        delete(CheckIn).where(
            col(CheckIn.meeting_id) == meeting_id, col(CheckIn.member_id) == member_id
        )
    )
    return bool(result.rowcount)


async def checkin_token(session: AsyncSession, *, meeting: Meeting) -> str:
    """The meeting's secret for the "I'm here" link, made on first use."""
    if meeting.checkin_token is None:
        meeting.checkin_token = secrets.token_urlsafe(12)
        session.add(meeting)
        await session.flush()
    return meeting.checkin_token


async def meeting_by_token(session: AsyncSession, *, token: str) -> Meeting | None:
    """The scheduled meeting whose check-in link carries ``token``."""
    result = await session.exec(
        select(Meeting).where(
            Meeting.checkin_token == token, Meeting.status == MeetingStatus.SCHEDULED
        )
    )
    return result.first()


async def meetings_of_group(
    session: AsyncSession, *, group_id: int, since: datetime | None = None
) -> list[Meeting]:
    """The group's scheduled meetings (from ``since`` on), earliest first."""
    query = select(Meeting).where(
        Meeting.group_id == group_id, Meeting.status == MeetingStatus.SCHEDULED
    )
    if since is not None:
        query = query.where(col(Meeting.starts_at) >= since)
    result = await session.exec(query.order_by(col(Meeting.starts_at)))
    return list(result.all())


async def next_meeting(session: AsyncSession, *, after: datetime) -> Meeting | None:
    """The first scheduled meeting of any group that starts after ``after``."""
    result = await session.exec(
        select(Meeting)
        .where(Meeting.status == MeetingStatus.SCHEDULED, col(Meeting.starts_at) > after)
        .order_by(col(Meeting.starts_at))
        .limit(1)
    )
    return result.first()


async def meeting_reminders_done(session: AsyncSession, *, meeting_id: int) -> int:
    """How many reminders of the meeting went out (or are going out now)."""
    result = await session.exec(
        select(func.count(col(DueTask.id))).where(
            DueTask.kind == TaskKind.MEETING_REMINDER,
            DueTask.ref_id == meeting_id,
            col(DueTask.done_at).is_not(None),
            col(DueTask.cancelled).is_(False),
        )
    )
    return int(result.one())


async def group_members(session: AsyncSession, *, group_id: int) -> list[Member]:
    """The group's members by name."""
    result = await session.exec(
        select(Member)
        .join(Membership, col(Membership.member_id) == col(Member.id))
        .where(Membership.group_id == group_id)
        .order_by(func.lower(col(Member.first_name)), col(Member.id))
    )
    return list(result.all())


async def members_by_id(session: AsyncSession, *, ids: set[int]) -> dict[int, Member]:
    """The members with these ids."""
    if not ids:
        return {}
    result = await session.exec(select(Member).where(col(Member.id).in_(ids)))
    return {m.id: m for m in result.all() if m.id is not None}
