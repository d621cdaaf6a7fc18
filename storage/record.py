"""Repository functions of the meeting record: check-ins, agenda items, minutes, decisions,
action items and the record dialogue's pending input. Keyword-only, session first, never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
from storage.record_models import (
    ActionItem,
    AgendaItem,
    AgendaStatus,
    CheckIn,
    Decision,
    Minutes,
    RecordInput,
    RecordStep,
)

# -- attendance and check-in ------------------------------------------------------------------


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


async def group_members(session: AsyncSession, *, group_id: int) -> list[Member]:
    """The group's members by name."""
    result = await session.exec(
        select(Member)
        .join(Membership, col(Membership.member_id) == col(Member.id))
        .where(Membership.group_id == group_id)
        .order_by(func.lower(col(Member.first_name)), col(Member.id))
    )
    return list(result.all())


# -- agenda -------------------------------------------------------------------------------------


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


# -- minutes, decisions, action items -----------------------------------------------------------


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


async def members_by_id(session: AsyncSession, *, ids: set[int]) -> dict[int, Member]:
    """The members with these ids."""
    if not ids:
        return {}
    result = await session.exec(select(Member).where(col(Member.id).in_(ids)))
    return {m.id: m for m in result.all() if m.id is not None}


# -- what a member is typing --------------------------------------------------------------------


async def expect(
    session: AsyncSession,
    *,
    member_id: int,
    step: RecordStep,
    ref_id: int,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Read the member's next message as ``step`` for ``ref_id``."""
    await stop_expecting(session, member_id=member_id)
    session.add(
        RecordInput(member_id=member_id, step=step, ref_id=ref_id, data=data or {}, created_at=now)
    )
    await session.flush()


async def expected(session: AsyncSession, *, member_id: int) -> RecordInput | None:
    """The record dialogue waiting for this member's message, if any."""
    result = await session.exec(select(RecordInput).where(RecordInput.member_id == member_id))
    return result.first()


async def stop_expecting(session: AsyncSession, *, member_id: int) -> None:
    """The member's record dialogue (if any) ends."""
    await session.exec(delete(RecordInput).where(col(RecordInput.member_id) == member_id))
