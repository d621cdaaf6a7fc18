"""The meeting record's part of a member's export: check-ins, agenda, actions, minutes."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Group, Meeting
from storage.privacy.values import plain, zone_of
from storage.record_models import ActionItem, AgendaItem, CheckIn, Minutes, RecordInput


async def record_of(session: AsyncSession, *, member_id: int, tz: tzinfo) -> dict[str, Any]:
    """The meeting record's rows about the member: check-ins, agenda items they proposed,
    action items they are responsible for, minutes they sent, a dialogue they are in."""
    return {
        "check_ins": await _check_ins(session, member_id=member_id, tz=tz),
        "agenda_items": await _agenda_items(session, member_id=member_id, tz=tz),
        "action_items": await _action_items(session, member_id=member_id, tz=tz),
        "minutes_sent": await _minutes_sent(session, member_id=member_id, tz=tz),
        "typing": await _typing(session, member_id=member_id, tz=tz),
    }


async def _check_ins(session: AsyncSession, *, member_id: int, tz: tzinfo) -> list[dict[str, Any]]:
    """The meetings the member checked in at, and when."""
    checks = await session.exec(
        select(CheckIn, Meeting, Group)
        .join(Meeting, col(Meeting.id) == col(CheckIn.meeting_id))
        .join(Group, col(Group.id) == col(Meeting.group_id))
        .where(CheckIn.member_id == member_id)
        .order_by(col(Meeting.starts_at))
    )
    return [
        {
            "meeting": m.id,
            "group": g.name,
            "starts_at": plain(m.starts_at, zone_of(g, tz)),
            "at": plain(c.at, zone_of(g, tz)),
            "source": c.source,
        }
        for c, m, g in checks.all()
    ]


async def _agenda_items(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """The agenda items the member proposed."""
    items = await session.exec(
        select(AgendaItem).where(AgendaItem.author_id == member_id).order_by(col(AgendaItem.id))
    )
    return [
        {
            "meeting": i.meeting_id,
            "text": i.text,
            "status": plain(i.status),
            "created_at": plain(i.created_at, tz),
        }
        for i in items.all()
    ]


async def _action_items(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """The action items the member is responsible for."""
    actions = await session.exec(
        select(ActionItem).where(ActionItem.assignee_id == member_id).order_by(col(ActionItem.id))
    )
    return [
        {
            "meeting": a.meeting_id,
            "text": a.text,
            "due_on": plain(a.due_on),
            "done_at": plain(a.done_at, tz),
        }
        for a in actions.all()
    ]


async def _minutes_sent(
    session: AsyncSession, *, member_id: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """The minutes the member sent."""
    minutes = await session.exec(
        select(Minutes).where(Minutes.author_id == member_id).order_by(col(Minutes.id))
    )
    return [
        {
            "meeting": m.meeting_id,
            "text": m.text,
            "file_name": m.file_name,
            "created_at": plain(m.created_at, tz),
        }
        for m in minutes.all()
    ]


async def _typing(session: AsyncSession, *, member_id: int, tz: tzinfo) -> list[dict[str, Any]]:
    """The record dialogue the member is in, if any."""
    typing = await session.exec(select(RecordInput).where(RecordInput.member_id == member_id))
    return [
        {"step": plain(r.step), "data": r.data, "since": plain(r.created_at, tz)}
        for r in typing.all()
    ]
