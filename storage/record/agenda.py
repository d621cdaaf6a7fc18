"""A meeting's agenda: proposals, accepted items in order, and what the agenda shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Meeting, Member
from storage.record.actions import open_actions
from storage.record.checkins import members_by_id
from storage.record_models import ActionItem, AgendaItem, AgendaStatus


async def add_agenda_item(
    session: AsyncSession,
    *,
    meeting_id: int,
    author_id: int | None,
    text: str,
    accepted: bool,
    now: datetime,
) -> AgendaItem:
    """A proposal, or (``accepted``) an item placed at the end of the agenda."""
    position = 0
    if accepted:
        position = await _next_position(session, meeting_id=meeting_id)
    item = AgendaItem(
        meeting_id=meeting_id,
        author_id=author_id,
        text=text,
        status=AgendaStatus.ACCEPTED if accepted else AgendaStatus.PROPOSED,
        position=position,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    return item


async def _next_position(session: AsyncSession, *, meeting_id: int) -> int:
    """The position after the last accepted item of the meeting's agenda."""
    result = await session.exec(
        select(func.max(col(AgendaItem.position))).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.status == AgendaStatus.ACCEPTED
        )
    )
    return int(result.one() or 0) + 1


async def get_agenda_item(session: AsyncSession, *, item_id: int) -> AgendaItem | None:
    """The agenda item with this id."""
    return await session.get(AgendaItem, item_id)


async def agenda(session: AsyncSession, *, meeting_id: int) -> list[AgendaItem]:
    """The accepted items in their order."""
    result = await session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status == AgendaStatus.ACCEPTED)
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    )
    return list(result.all())


async def proposals(session: AsyncSession, *, meeting_id: int) -> list[AgendaItem]:
    """Proposals not yet accepted or dropped, oldest first."""
    result = await session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status == AgendaStatus.PROPOSED)
        .order_by(col(AgendaItem.id))
    )
    return list(result.all())


async def entry_count(session: AsyncSession, *, meeting_id: int) -> int:
    """How many items the meeting's agenda holds and proposals wait (dropped ones not)."""
    result = await session.exec(
        select(func.count(col(AgendaItem.id))).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.status != AgendaStatus.DROPPED
        )
    )
    return int(result.one())


async def accept(session: AsyncSession, *, item: AgendaItem, now: datetime) -> None:
    """Put a proposal at the end of the agenda."""
    item.status = AgendaStatus.ACCEPTED
    item.position = await _next_position(session, meeting_id=item.meeting_id)
    item.updated_at = now
    session.add(item)
    await session.flush()


async def move(session: AsyncSession, *, item: AgendaItem, up: bool, now: datetime) -> bool:
    """Swap an accepted item with its neighbour above (or below); False at the edge."""
    items = await agenda(session, meeting_id=item.meeting_id)
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(items):
        return False
    for position, other in enumerate(items, 1):
        other.position = position
    items[index].position, items[target].position = target + 1, index + 1
    for other in items:
        other.updated_at = now if other.id in (item.id, items[target].id) else other.updated_at
        session.add(other)
    await session.flush()
    return True


@dataclass(frozen=True)
class AgendaData:
    """What a meeting's agenda shows: its accepted items, the group's open action items from
    earlier meetings, and the members those are assigned to."""

    items: list[AgendaItem]
    actions: list[ActionItem]
    owners: dict[int, Member]


async def load_agenda(session: AsyncSession, *, meeting: Meeting) -> AgendaData:
    """The agenda of ``meeting`` with the open action items that go onto it by themselves."""
    assert meeting.id is not None
    items = await agenda(session, meeting_id=meeting.id)
    actions = await open_actions(session, group_id=meeting.group_id, before=meeting.starts_at)
    owners = await members_by_id(
        session, ids={a.assignee_id for a in actions if a.assignee_id is not None}
    )
    return AgendaData(items, actions, owners)
