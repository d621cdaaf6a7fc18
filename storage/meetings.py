"""Repository functions for meetings and attendance. Keyword-only, session first, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import (
    Attendance,
    Group,
    Meeting,
    MeetingStatus,
    Member,
    Membership,
    Poll,
    PollOption,
    PollStatus,
)


async def create_meeting(
    session: AsyncSession,
    *,
    group_id: int,
    starts_at: datetime,
    ends_at: datetime | None,
    all_day: bool,
    location: str | None,
    note: str | None,
    now: datetime,
    poll_id: int | None = None,
) -> Meeting:
    """A fixed meeting with a stable calendar UID."""
    meeting = Meeting(
        group_id=group_id,
        poll_id=poll_id,
        uid=f"{uuid.uuid4()}@gremium",
        status=MeetingStatus.SCHEDULED,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        location=location,
        note=note,
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    return meeting


async def get_meeting(session: AsyncSession, *, meeting_id: int) -> Meeting | None:
    """The meeting with this id."""
    return await session.get(Meeting, meeting_id)


async def upcoming_for_member(
    session: AsyncSession, *, member_id: int, now: datetime
) -> list[tuple[Meeting, Group]]:
    """Scheduled meetings from now on in the member's active groups, soonest first."""
    result = await session.exec(
        select(Meeting, Group)
        .join(Group, col(Group.id) == col(Meeting.group_id))
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(
            Membership.member_id == member_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.starts_at) >= now,
            col(Group.archived_at).is_(None),
        )
        .order_by(col(Meeting.starts_at))
    )
    return list(result.all())


async def last_meeting(session: AsyncSession, *, group_id: int) -> Meeting | None:
    """The group's latest scheduled meeting (past or future)."""
    result = await session.exec(
        select(Meeting)
        .where(Meeting.group_id == group_id, Meeting.status == MeetingStatus.SCHEDULED)
        .order_by(col(Meeting.starts_at).desc())
    )
    return result.first()


def _groups_sharing_members(group_id: int) -> SelectOfScalar[int]:
    """The other groups that a member of this group also belongs to."""
    members = select(Membership.member_id).where(Membership.group_id == group_id)
    return select(Membership.group_id).where(
        col(Membership.member_id).in_(members), Membership.group_id != group_id
    )


async def meetings_of_members_elsewhere(
    session: AsyncSession, *, group_id: int, start: datetime, end: datetime
) -> list[datetime]:
    """Start times of other groups' meetings that members of this group belong to."""
    result = await session.exec(
        select(Meeting.starts_at).where(
            col(Meeting.group_id).in_(_groups_sharing_members(group_id)),
            Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.starts_at) >= start,
            col(Meeting.starts_at) <= end,
        )
    )
    return list(result.all())


async def poll_dates_of_members_elsewhere(
    session: AsyncSession, *, group_id: int, start: datetime, end: datetime
) -> list[datetime]:
    """Start times of the dates that open polls of those other groups offer: one of them is
    likely to become a meeting, so two groups polling at once do not offer the same day."""
    result = await session.exec(
        select(PollOption.starts_at)
        .join(Poll, col(Poll.id) == PollOption.poll_id)
        .where(
            col(Poll.group_id).in_(_groups_sharing_members(group_id)),
            Poll.status == PollStatus.OPEN,
            col(PollOption.removed).is_(False),
            col(PollOption.starts_at) >= start,
            col(PollOption.starts_at) <= end,
        )
    )
    return list(result.all())


async def set_attendance(
    session: AsyncSession, *, meeting_id: int, member_id: int, coming: bool, now: datetime
) -> None:
    """Record whether the member comes."""
    result = await session.exec(
        select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.member_id == member_id
        )
    )
    row = result.first() or Attendance(
        meeting_id=meeting_id, member_id=member_id, coming=coming, updated_at=now
    )
    row.coming, row.updated_at = coming, now
    session.add(row)
    await session.flush()


async def attendance_counts(session: AsyncSession, *, meeting_id: int) -> tuple[int, int]:
    """(coming, not coming) among the answers."""
    result = await session.exec(
        select(Attendance.coming, func.count(col(Attendance.id)))
        .where(Attendance.meeting_id == meeting_id)
        .group_by(col(Attendance.coming))
    )
    table = dict(result.all())
    return int(table.get(True, 0)), int(table.get(False, 0))


async def coming_ids(session: AsyncSession, *, meeting_id: int) -> set[int]:
    """Members who said they come."""
    result = await session.exec(
        select(Attendance.member_id).where(
            Attendance.meeting_id == meeting_id, col(Attendance.coming).is_(True)
        )
    )
    return {member_id for member_id in result.all() if member_id is not None}


async def answer_of(session: AsyncSession, *, meeting_id: int, member_id: int) -> bool | None:
    """Whether the member said they come (True), cannot (False), or has not answered (None)."""
    result = await session.exec(
        select(Attendance.coming).where(
            Attendance.meeting_id == meeting_id, Attendance.member_id == member_id
        )
    )
    return result.first()


async def not_coming_ids(session: AsyncSession, *, meeting_id: int) -> set[int]:
    """Members who said they cannot come."""
    result = await session.exec(
        select(Attendance.member_id).where(
            Attendance.meeting_id == meeting_id, col(Attendance.coming).is_(False)
        )
    )
    # Answers of forgotten members stay anonymous (member_id NULL): they count but name nobody.
    return {member_id for member_id in result.all() if member_id is not None}


async def members_of_group(session: AsyncSession, *, group_id: int) -> list[Member]:
    """Everyone in the group, by id."""
    result = await session.exec(
        select(Member)
        .join(Membership, col(Membership.member_id) == col(Member.id))
        .where(Membership.group_id == group_id)
        .order_by(col(Member.id))
    )
    return list(result.all())


async def being_moved_by(session: AsyncSession, *, member_id: int) -> Meeting | None:
    """The meeting whose new date this coordinator is about to type, if any."""
    result = await session.exec(select(Meeting).where(Meeting.editing_by == member_id))
    return result.first()
