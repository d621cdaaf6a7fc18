"""Everything stored about a member, as JSON-ready data (the member's own export).

Tables that refer to a member are found through their foreign keys to ``member.id``, so a table
added later is exported without changes here.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

from sqlalchemy import Column, Table
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Announcement,
    Attendance,
    Delivery,
    Group,
    Meeting,
    Member,
    Membership,
    Poll,
    PollOption,
    Vote,
)
from storage.privacy.export_record import record_of
from storage.privacy.values import plain, zone_of

#: References to a member that the export shows in their own, readable section.
EXPLAINED = {
    ("membership", "member_id"),
    ("vote", "member_id"),
    ("attendance", "member_id"),
    ("announcement", "sender_id"),
    ("poll", "author_id"),
    ("delivery", "member_id"),
    ("check_in", "member_id"),
    ("agenda_item", "author_id"),
    ("action_item", "assignee_id"),
    ("minutes", "author_id"),
    ("record_input", "member_id"),
}


def member_references() -> list[tuple[Table, Column[Any]]]:
    """Every column of the schema with a foreign key to ``member.id``."""
    return [
        (table, column)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "member" for fk in column.foreign_keys)
    ]


async def export_member(
    session: AsyncSession, *, member: Member, tz: tzinfo = UTC
) -> dict[str, Any]:
    """Everything stored about ``member``, as JSON-ready data; times in their group's zone, the
    others in ``tz``, each with its offset."""
    assert member.id is not None
    profile = member.model_dump(exclude={"id"})
    data: dict[str, Any] = {"member": {k: plain(v, tz) for k, v in profile.items()}}
    data["memberships"] = await _memberships(session, member_id=member.id, tz=tz)
    data["votes"] = await _votes(session, member_id=member.id, tz=tz)
    data["attendance"] = await _attendance(session, member_id=member.id, tz=tz)
    data.update(await record_of(session, member_id=member.id, tz=tz))
    data["announcements"] = await _announcements(session, member_id=member.id, tz=tz)
    data["polls_created"] = await _polls_created(session, member_id=member.id)
    data["messages_sent_to_you"] = await _deliveries(session, member_id=member.id, tz=tz)
    data.update(await _other_references(session, member_id=member.id, tz=tz))
    return data


async def _memberships(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """The groups the member is in, by name, with their role there."""
    rows = await session.exec(
        select(Group, Membership)
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(Membership.member_id == member_id)
        .order_by(col(Group.name))
    )
    return [
        {
            "group": g.name,
            "slug": g.slug,
            "role": plain(m.role),
            "joined_at": plain(m.joined_at, zone_of(g, tz)),
        }
        for g, m in rows.all()
    ]


async def _votes(session: AsyncSession, *, member_id: int, tz: tzinfo) -> list[dict[str, Any]]:
    """The member's answers to poll dates, poll by poll and date by date."""
    votes = await session.exec(
        select(Vote, PollOption, Poll, Group)
        .join(PollOption, col(PollOption.id) == col(Vote.option_id))
        .join(Poll, col(Poll.id) == col(Vote.poll_id))
        .join(Group, col(Group.id) == col(Poll.group_id))
        .where(Vote.member_id == member_id)
        .order_by(col(Vote.poll_id), col(PollOption.starts_at))
    )
    return [
        {
            "poll": p.id,
            "group": g.name,
            "date": plain(o.starts_at, zone_of(g, tz)),
            "answer": v.answer,
            "updated_at": plain(v.updated_at, zone_of(g, tz)),
        }
        for v, o, p, g in votes.all()
    ]


async def _attendance(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """Whether the member said they come, meeting by meeting."""
    rows = await session.exec(
        select(Attendance, Meeting, Group)
        .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))
        .join(Group, col(Group.id) == col(Meeting.group_id))
        .where(Attendance.member_id == member_id)
        .order_by(col(Meeting.starts_at))
    )
    return [
        {
            "meeting": m.id,
            "group": g.name,
            "starts_at": plain(m.starts_at, zone_of(g, tz)),
            "coming": a.coming,
            "updated_at": plain(a.updated_at, zone_of(g, tz)),
        }
        for a, m, g in rows.all()
    ]


async def _announcements(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """The announcements the member sent."""
    rows = await session.exec(
        select(Announcement)
        .where(Announcement.sender_id == member_id)
        .order_by(col(Announcement.id))
    )
    return [
        {
            "announcement": a.id,
            "group_id": a.group_id,
            "status": plain(a.status),
            "text": a.text_html,
            "created_at": plain(a.created_at, tz),
        }
        for a in rows.all()
    ]


async def _polls_created(session: AsyncSession, *, member_id: int) -> list[dict[str, Any]]:
    """The polls the member started."""
    polls = await session.exec(select(Poll).where(Poll.author_id == member_id))
    return [{"poll": p.id, "group_id": p.group_id, "status": plain(p.status)} for p in polls.all()]


async def _deliveries(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """The messages the bot sent (or is to send) to the member."""
    deliveries = await session.exec(
        select(Delivery).where(Delivery.member_id == member_id).order_by(col(Delivery.id))
    )
    return [
        {
            "kind": d.kind,
            "status": plain(d.status),
            "created_at": plain(d.created_at, tz),
            "sent_at": plain(d.sent_at, tz),
        }
        for d in deliveries.all()
    ]


async def _other_references(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> dict[str, Any]:
    """Rows of tables the export does not explain yet, column by column."""
    found: dict[str, Any] = {}
    connection = await session.connection()
    for table, column in member_references():
        if (table.name, column.name) in EXPLAINED:
            continue
        result = await connection.execute(table.select().where(column == member_id))
        rows = [{k: plain(v, tz) for k, v in row.items()} for row in result.mappings().all()]
        if rows:
            found.setdefault(table.name, []).extend(rows)
    return found
