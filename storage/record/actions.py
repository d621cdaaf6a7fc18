"""Minutes, decisions and action items agreed at a meeting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Meeting
from storage.record_models import ActionItem, Decision, Minutes


async def add_minutes(
    session: AsyncSession,
    *,
    meeting_id: int,
    author_id: int,
    text: str | None,
    file_id: str | None,
    file_name: str | None,
    now: datetime,
) -> Minutes:
    """Minutes (a text, a document or both) for the meeting."""
    minutes = Minutes(
        meeting_id=meeting_id,
        author_id=author_id,
        text=text,
        file_id=file_id,
        file_name=file_name,
        created_at=now,
    )
    session.add(minutes)
    await session.flush()
    return minutes


async def minutes_of(session: AsyncSession, *, meeting_id: int) -> list[Minutes]:
    """The meeting's minutes, in the order they came."""
    result = await session.exec(
        select(Minutes).where(Minutes.meeting_id == meeting_id).order_by(col(Minutes.id))
    )
    return list(result.all())


async def add_decision(
    session: AsyncSession, *, meeting_id: int, text: str, now: datetime
) -> Decision:
    """A decision taken at the meeting."""
    decision = Decision(meeting_id=meeting_id, text=text, created_at=now)
    session.add(decision)
    await session.flush()
    return decision


async def decisions_of(session: AsyncSession, *, meeting_id: int) -> list[Decision]:
    """The meeting's decisions in order."""
    result = await session.exec(
        select(Decision).where(Decision.meeting_id == meeting_id).order_by(col(Decision.id))
    )
    return list(result.all())


async def add_action(
    session: AsyncSession,
    *,
    meeting_id: int,
    group_id: int,
    text: str,
    assignee_id: int,
    due_on: Any,
    now: datetime,
) -> ActionItem:
    """Who does what by when."""
    action = ActionItem(
        meeting_id=meeting_id,
        group_id=group_id,
        text=text,
        assignee_id=assignee_id,
        due_on=due_on,
        created_at=now,
    )
    session.add(action)
    await session.flush()
    return action


async def get_action(session: AsyncSession, *, action_id: int) -> ActionItem | None:
    """The action item with this id."""
    return await session.get(ActionItem, action_id)


async def actions_of(session: AsyncSession, *, meeting_id: int) -> list[ActionItem]:
    """The action items agreed at a meeting."""
    result = await session.exec(
        select(ActionItem).where(ActionItem.meeting_id == meeting_id).order_by(col(ActionItem.id))
    )
    return list(result.all())


async def open_actions(
    session: AsyncSession, *, group_id: int, before: datetime | None = None
) -> list[ActionItem]:
    """The group's action items not done yet (from meetings that started before ``before``),
    by due date."""
    query = select(ActionItem).where(
        ActionItem.group_id == group_id, col(ActionItem.done_at).is_(None)
    )
    if before is not None:
        earlier = select(Meeting.id).where(col(Meeting.starts_at) < before)
        query = query.where(col(ActionItem.meeting_id).in_(earlier))
    result = await session.exec(query.order_by(col(ActionItem.due_on), col(ActionItem.id)))
    return list(result.all())
