"""Data protection: everything stored about a member, forgetting them, and retention sweeps.

Keyword-only, session first, never commit. Tables that refer to a member are found through
their foreign keys to ``member.id``, so a table added later is exported without changes here
and its rows go with the member through ``ON DELETE`` (CASCADE or SET NULL).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, tzinfo
from html import escape
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Column, Table, and_, delete, exists, func, or_, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import polls as poll_repo
from storage.announcements import UNFINISHED
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Attendance,
    Delivery,
    Group,
    Meeting,
    Member,
    Membership,
    Poll,
    PollOption,
    PollStatus,
    Vote,
)
from storage.outbox import OPEN
from storage.record_models import (
    ActionItem,
    AgendaItem,
    AgendaStatus,
    CheckIn,
    Minutes,
    RecordInput,
)
from storage.types import UTCDateTime

#: Polls that are over: their counts are frozen on the options, the votes are history.
DECIDED = (PollStatus.CHOOSING, PollStatus.CLOSED)
FINISHED_POLLS = (*DECIDED, PollStatus.CANCELLED)
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


def plain(value: Any, tz: tzinfo = UTC) -> Any:
    """A database value as JSON: times in ISO 8601 with their offset in ``tz`` (the local time
    a reader recognises: "2026-11-24T10:00:00+01:00"), enums by their value."""
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo is not None else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def zone_of(group: Group, default: tzinfo) -> tzinfo:
    """The group's time zone, or ``default`` if it has none (or an unknown one)."""
    try:
        return ZoneInfo(group.timezone) if group.timezone else default
    except (ZoneInfoNotFoundError, ValueError):
        return default


async def export_member(
    session: AsyncSession, *, member: Member, tz: tzinfo = UTC
) -> dict[str, Any]:
    """Everything stored about ``member``, as JSON-ready data; times in their group's zone, the
    others in ``tz``, each with its offset."""
    assert member.id is not None
    profile = member.model_dump(exclude={"id"})
    data: dict[str, Any] = {"member": {k: plain(v, tz) for k, v in profile.items()}}
    rows = await session.exec(
        select(Group, Membership)
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(Membership.member_id == member.id)
        .order_by(col(Group.name))
    )
    data["memberships"] = [
        {
            "group": g.name,
            "slug": g.slug,
            "role": plain(m.role),
            "joined_at": plain(m.joined_at, zone_of(g, tz)),
        }
        for g, m in rows.all()
    ]
    votes = await session.exec(
        select(Vote, PollOption, Poll, Group)
        .join(PollOption, col(PollOption.id) == col(Vote.option_id))
        .join(Poll, col(Poll.id) == col(Vote.poll_id))
        .join(Group, col(Group.id) == col(Poll.group_id))
        .where(Vote.member_id == member.id)
        .order_by(col(Vote.poll_id), col(PollOption.starts_at))
    )
    data["votes"] = [
        {
            "poll": p.id,
            "group": g.name,
            "date": plain(o.starts_at, zone_of(g, tz)),
            "answer": v.answer,
            "updated_at": plain(v.updated_at, zone_of(g, tz)),
        }
        for v, o, p, g in votes.all()
    ]
    data["attendance"] = await _attendance(session, member_id=member.id, tz=tz)
    data.update(await _record(session, member_id=member.id, tz=tz))
    data["announcements"] = await _announcements(session, member_id=member.id, tz=tz)
    polls = await session.exec(select(Poll).where(Poll.author_id == member.id))
    data["polls_created"] = [
        {"poll": p.id, "group_id": p.group_id, "status": plain(p.status)} for p in polls.all()
    ]
    deliveries = await session.exec(
        select(Delivery).where(Delivery.member_id == member.id).order_by(col(Delivery.id))
    )
    data["messages_sent_to_you"] = [
        {
            "kind": d.kind,
            "status": plain(d.status),
            "created_at": plain(d.created_at, tz),
            "sent_at": plain(d.sent_at, tz),
        }
        for d in deliveries.all()
    ]
    data.update(await _other_references(session, member_id=member.id, tz=tz))
    return data


async def _attendance(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
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


async def _record(session: AsyncSession, *, member_id: int, tz: tzinfo) -> dict[str, Any]:
    """The meeting record's rows about the member: check-ins, agenda items they proposed,
    action items they are responsible for, minutes they sent, a dialogue they are in."""
    checks = await session.exec(
        select(CheckIn, Meeting, Group)
        .join(Meeting, col(Meeting.id) == col(CheckIn.meeting_id))
        .join(Group, col(Group.id) == col(Meeting.group_id))
        .where(CheckIn.member_id == member_id)
        .order_by(col(Meeting.starts_at))
    )
    items = await session.exec(
        select(AgendaItem).where(AgendaItem.author_id == member_id).order_by(col(AgendaItem.id))
    )
    actions = await session.exec(
        select(ActionItem).where(ActionItem.assignee_id == member_id).order_by(col(ActionItem.id))
    )
    minutes = await session.exec(
        select(Minutes).where(Minutes.author_id == member_id).order_by(col(Minutes.id))
    )
    typing = await session.exec(select(RecordInput).where(RecordInput.member_id == member_id))
    return {
        "check_ins": [
            {
                "meeting": m.id,
                "group": g.name,
                "starts_at": plain(m.starts_at, zone_of(g, tz)),
                "at": plain(c.at, zone_of(g, tz)),
                "source": c.source,
            }
            for c, m, g in checks.all()
        ],
        "agenda_items": [
            {
                "meeting": i.meeting_id,
                "text": i.text,
                "status": plain(i.status),
                "created_at": plain(i.created_at, tz),
            }
            for i in items.all()
        ],
        "action_items": [
            {
                "meeting": a.meeting_id,
                "text": a.text,
                "due_on": plain(a.due_on),
                "done_at": plain(a.done_at, tz),
            }
            for a in actions.all()
        ],
        "minutes_sent": [
            {
                "meeting": m.meeting_id,
                "text": m.text,
                "file_name": m.file_name,
                "created_at": plain(m.created_at, tz),
            }
            for m in minutes.all()
        ],
        "typing": [
            {"step": plain(r.step), "data": r.data, "since": plain(r.created_at, tz)}
            for r in typing.all()
        ],
    }


async def _announcements(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
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


async def forget_member(
    session: AsyncSession, *, member: Member, now: datetime, replacement: str
) -> None:
    """Delete the member and every personal trace; what groups share stays anonymous.

    Answers to past meetings and the counts of decided polls stay, without a name. Drafts the
    member was writing are deleted. Messages already sent that name the member lose their stored
    text; messages still waiting show ``replacement`` instead of the member's name.
    """
    assert member.id is not None
    past = select(Meeting.id).where(col(Meeting.starts_at) < now)
    await session.exec(
        update(Attendance)
        .where(col(Attendance.member_id) == member.id, col(Attendance.meeting_id).in_(past))
        .values(member_id=None)
    )
    # Being at a past meeting stays as an anonymous check-in: the count does not change.
    await session.exec(
        update(CheckIn)
        .where(col(CheckIn.member_id) == member.id, col(CheckIn.meeting_id).in_(past))
        .values(member_id=None)
    )
    # Proposals not yet taken onto an agenda go; accepted items stay the group's, without
    # their author (ON DELETE SET NULL), as do action items and minutes.
    await session.exec(
        delete(AgendaItem).where(
            col(AgendaItem.author_id) == member.id,
            col(AgendaItem.status) == AgendaStatus.PROPOSED,
        )
    )
    await freeze_poll_counts(session, votes=col(Vote.member_id) == member.id)
    await session.exec(
        delete(Poll).where(col(Poll.author_id) == member.id, col(Poll.status) == PollStatus.DRAFT)
    )
    drafts = (*UNFINISHED, AnnouncementStatus.CANCELLED)
    await session.exec(
        delete(Announcement).where(
            col(Announcement.sender_id) == member.id, col(Announcement.status).in_(drafts)
        )
    )
    await session.exec(
        update(Announcement)
        .where(
            or_(
                col(Announcement.sender_id) == member.id,
                col(Announcement.sender_chat_id) == member.telegram_id,
            )
        )
        .values(sender_id=None, sender_chat_id=None, report_message_id=None)
    )
    await session.exec(delete(Delivery).where(col(Delivery.chat_id) == member.telegram_id))
    await _scrub_deliveries(session, member=member, replacement=replacement)
    await session.delete(member)
    await session.flush()


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


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({n for n in names if n and len(n.strip()) > 1}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words), re.IGNORECASE)


async def _scrub_deliveries(session: AsyncSession, *, member: Member, replacement: str) -> None:
    """Messages to others that name the member: sent ones lose their text, waiting ones the
    name (in what the outbox still has to send, only the full name is replaced)."""
    names = [member.display_name, member.first_name, member.last_name or ""]
    names += [escape(n) for n in names]
    if member.username:
        names.append("@" + member.username)
    anywhere = _name_pattern(names)
    full = _name_pattern([member.display_name, escape(member.display_name)])
    if anywhere is None or full is None:
        return
    result = await session.exec(
        select(Delivery).where(col(Delivery.created_at) >= member.created_at)
    )
    for delivery in result.all():
        if not anywhere.search(_text_of(delivery.payload)):
            continue
        if delivery.status in OPEN:
            delivery.payload = _replace(delivery.payload, full, replacement)
        else:
            delivery.payload = []
        session.add(delivery)


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_text_of(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_text_of(v) for v in value)
    return ""


def _replace(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, dict):
        return {k: _replace(v, pattern, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, pattern, replacement) for v in value]
    return value


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
