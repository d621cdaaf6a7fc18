"""What the meeting record's handlers share: which group a command means, which meeting is
"the" meeting of a group now, and checking a member in."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from domain.errors import GremiumError
from domain.record import checkin_window
from domain.splitting import split_message
from handlers.common import Actor, group_zone, require_group_manager, resolve_group
from handlers.context import BotData
from handlers.notices import text_part
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import record as repo
from storage.models import Group, Meeting, MeetingStatus, Member


async def managed_group(
    session: AsyncSession, actor: Actor, args: list[str] | None, command: str
) -> Group:
    """The group a coordinator's command is about: the one named, or their only group."""
    if args:
        group = await resolve_group(session, " ".join(args))
        await require_group_manager(session, actor, group)
        return group
    groups = [s.group for s in await group_repo.list_active_groups(session)]
    if not actor.is_admin:
        member = actor.require_member()
        assert member.id is not None
        ids = await group_repo.coordinated_group_ids(session, member_id=member.id)
        groups = [g for g in groups if g.id in ids]
    if len(groups) == 1:
        return groups[0]
    if not groups:
        raise GremiumError("Only coordinators and organisers can do that.")
    raise GremiumError(
        "Please name the group: {command} and its short name (/groups lists them).",
        command=command,
    )


async def member_group(
    session: AsyncSession, actor: Actor, args: list[str] | None, command: str
) -> Group:
    """The group a member's command is about: the one named (they must belong to it), or
    their only group."""
    member = actor.require_member()
    assert member.id is not None
    if args:
        group = await resolve_group(session, " ".join(args))
        assert group.id is not None
        if not await group_repo.get_membership(session, member_id=member.id, group_id=group.id):
            raise GremiumError("You are not a member of {group}.", group=group.name)
        return group
    groups = await group_repo.list_memberships_of_member(session, member_id=member.id)
    if len(groups) == 1:
        return groups[0][0]
    raise GremiumError(
        "Please name the group: {command} and its short name (/groups lists them).",
        command=command,
    )


async def current_meeting(
    session: AsyncSession, bd: BotData, group: Group, *, now: datetime
) -> Meeting:
    """The group's meeting whose check-in is open now, else its next one."""
    assert group.id is not None
    tz = group_zone(group, bd.timezone)
    for meeting in await repo.meetings_of_group(session, group_id=group.id):
        window = checkin_window(meeting.starts_at, meeting.ends_at, meeting.all_day, tz)
        if now in window or meeting.starts_at >= now:
            return meeting
    raise GremiumError("No meeting of {group} is planned.", group=group.name)


async def scheduled_meeting(session: AsyncSession, meeting_id: int) -> tuple[Meeting, Group]:
    """A meeting that takes place, with its group; a polite refusal otherwise."""
    meeting = await meeting_repo.get_meeting(session, meeting_id=meeting_id)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        raise GremiumError("This meeting was cancelled.")
    group = await group_repo.get_group(session, group_id=meeting.group_id)
    assert group is not None
    return meeting, group


async def require_member_of(session: AsyncSession, member: Member, group: Group) -> None:
    """Only the group's members pass."""
    assert member.id is not None and group.id is not None
    if not await group_repo.get_membership(session, member_id=member.id, group_id=group.id):
        raise GremiumError("Only members of this group can answer.")


async def check_in_now(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, group: Group
) -> str:
    """ "I'm here": check the member in while the meeting's check-in is open."""
    member = actor.require_member()
    await require_member_of(session, member, group)
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    window = checkin_window(meeting.starts_at, meeting.ends_at, meeting.all_day, tz)
    if now < window.opens:
        raise GremiumError(
            "Check-in opens on {when}, at the meeting.", when=actor.lang.when(window.opens, tz)
        )
    if now >= window.closes:
        raise GremiumError("Check-in for this meeting has closed.")
    assert member.id is not None and meeting.id is not None
    await repo.check_in(
        session, meeting_id=meeting.id, member_id=member.id, source="self", now=now
    )
    return actor.lang._("✅ You are checked in at {group}. Welcome!", group=escape(group.name))


def message_parts(text: str, markup: InlineKeyboardMarkup | None = None) -> list[dict[str, Any]]:
    """An outbox payload for ``text`` however long (a long agenda or minutes): split where
    Telegram's limit requires, the buttons under the last part."""
    pieces = split_message(text)
    return [text_part(piece) for piece in pieces[:-1]] + [text_part(pieces[-1], markup)]
