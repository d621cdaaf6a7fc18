"""Forgetting a member: every personal trace goes, what groups share stays anonymous."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.announcements import UNFINISHED
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Attendance,
    Delivery,
    Meeting,
    Member,
    Poll,
    PollStatus,
    Vote,
)
from storage.outbox import OPEN
from storage.privacy.retention import freeze_poll_counts
from storage.record_models import AgendaItem, AgendaStatus, CheckIn


async def forget_member(
    session: AsyncSession, *, member: Member, now: datetime, replacement: str
) -> None:
    """Delete the member and every personal trace; what groups share stays anonymous.

    Answers to past meetings and the counts of decided polls stay, without a name. Drafts the
    member was writing are deleted. Messages already sent that name the member lose their stored
    text; messages still waiting show ``replacement`` instead of the member's name.
    """
    assert member.id is not None
    await _keep_past_meetings_anonymous(session, member_id=member.id, now=now)
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
    await _forget_announcements(session, member=member)
    await session.exec(delete(Delivery).where(col(Delivery.chat_id) == member.telegram_id))
    await _scrub_deliveries(session, member=member, replacement=replacement)
    await session.delete(member)
    await session.flush()


async def _keep_past_meetings_anonymous(
    session: AsyncSession, *, member_id: int, now: datetime
) -> None:
    """Answers to past meetings and check-ins at them stay, without the member."""
    past = select(Meeting.id).where(col(Meeting.starts_at) < now)
    await session.exec(
        update(Attendance)
        .where(col(Attendance.member_id) == member_id, col(Attendance.meeting_id).in_(past))
        .values(member_id=None)
    )
    # Being at a past meeting stays as an anonymous check-in: the count does not change.
    await session.exec(
        update(CheckIn)
        .where(col(CheckIn.member_id) == member_id, col(CheckIn.meeting_id).in_(past))
        .values(member_id=None)
    )


async def _forget_announcements(session: AsyncSession, *, member: Member) -> None:
    """Delete the member's unsent announcements; the sent ones stay without their sender."""
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


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern matching any of ``names`` as a whole word, longest first; None if none."""
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
    """All the strings in a JSON value, one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_text_of(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_text_of(v) for v in value)
    return ""


def _replace(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """The JSON value with ``pattern`` replaced in every string."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, dict):
        return {k: _replace(v, pattern, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, pattern, replacement) for v in value]
    return value
