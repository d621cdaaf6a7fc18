"""The minutes dialogue after /minutes: the coordinator's messages (minutes, a decision, an
action item's what, who and by when) and the tap on the person responsible."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from domain.candidates import parse_candidates
from domain.errors import GremiumError
from handlers.callback_data import ActionOwner
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings.action_reminders import schedule_reminders, tell_owner
from handlers.meetings.agenda_input import item_text
from handlers.meetings.lookup import scheduled_meeting
from handlers.meetings.minutes import panel, take_minutes
from handlers.meetings.record_texts import action_line
from storage import groups as group_repo
from storage import record as repo
from storage.models import Group, Meeting
from storage.record_models import RecordInput
from storage.record_models import RecordStep as Typing


async def take_message(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, message: Message
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The coordinator sent minutes, a decision, or a part of an action item."""
    member = actor.require_member()
    assert member.id is not None
    meeting, group = await scheduled_meeting(session, pending.ref_id)
    await require_group_manager(session, actor, group)
    assert meeting.id is not None and group.id is not None
    lang = actor.lang
    if pending.step == Typing.MINUTES:
        return await take_minutes(session, bd, actor, meeting, message), panel(lang, meeting)
    text = message.text or ""
    if pending.step == Typing.DECISION:
        await repo.add_decision(
            session, meeting_id=meeting.id, text=item_text(text), now=bd.clock.now()
        )
        await repo.stop_expecting(session, member_id=member.id)
        return lang._("⚖️ Decision recorded."), panel(lang, meeting)
    if pending.step == Typing.ACTION_WHAT:
        return await _take_what(session, bd, actor, meeting, group, text)
    if pending.step == Typing.ACTION_WHO:
        return lang._("Please tap the person responsible."), await _owners(session, meeting, group)
    if pending.step == Typing.ACTION_DUE:
        return await _take_due(session, bd, actor, pending, meeting, group, text)
    return lang._("Please use the buttons."), panel(lang, meeting)


async def _take_what(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, group: Group, text: str
) -> tuple[str, InlineKeyboardMarkup]:
    """What is to be done; next the coordinator taps who is responsible."""
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None
    await repo.expect(
        session,
        member_id=member.id,
        step=Typing.ACTION_WHO,
        ref_id=meeting.id,
        now=bd.clock.now(),
        data={"text": item_text(text)},
    )
    return actor.lang._(
        "Who is responsible? Tap a member of {group}.", group=escape(group.name)
    ), await _owners(session, meeting, group)


async def _owners(session: AsyncSession, meeting: Meeting, group: Group) -> InlineKeyboardMarkup:
    """A button per member of the group, two in a row, to pick who is responsible."""
    assert group.id is not None and meeting.id is not None
    buttons = [
        InlineKeyboardButton(
            m.display_name[:40], callback_data=encode(ActionOwner(meeting.id, m.id or 0))
        )
        for m in await repo.group_members(session, group_id=group.id)
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def owner_button(update: Update, context: Context) -> None:
    """The coordinator tapped who is responsible for the action item being recorded."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ActionOwner):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        await _take_owner(session, bd, actor, data)
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(
        query.from_user.id, actor.lang._("By when? Send a date, for example 15.02.2027.")
    )


async def _take_owner(session: AsyncSession, bd: BotData, actor: Actor, data: ActionOwner) -> None:
    """Note the person responsible, if the question is open and they belong to the group."""
    meeting, group = await scheduled_meeting(session, data.meeting_id)
    await require_group_manager(session, actor, group)
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None and group.id is not None
    pending = await repo.expected(session, member_id=member.id)
    if pending is None or pending.step != Typing.ACTION_WHO or pending.ref_id != meeting.id:
        raise GremiumError("This question is no longer open.")
    owner = await group_repo.get_membership(session, member_id=data.member_id, group_id=group.id)
    if owner is None:
        raise GremiumError("Only members of this group can answer.")
    await repo.expect(
        session,
        member_id=member.id,
        step=Typing.ACTION_DUE,
        ref_id=meeting.id,
        now=bd.clock.now(),
        data={**pending.data, "owner": data.member_id},
    )


async def _take_due(
    session: AsyncSession,
    bd: BotData,
    actor: Actor,
    pending: RecordInput,
    meeting: Meeting,
    group: Group,
    text: str,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """By when: the action item is recorded and its owner hears of it."""
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    due = _due_date(actor, tz, now, text)
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None and group.id is not None
    owner_id = int(pending.data["owner"])
    if not await group_repo.get_membership(session, member_id=owner_id, group_id=group.id):
        raise GremiumError("Only members of this group can answer.")
    action = await repo.add_action(
        session,
        meeting_id=meeting.id,
        group_id=group.id,
        text=str(pending.data["text"]),
        assignee_id=owner_id,
        due_on=due,
        now=now,
    )
    await repo.stop_expecting(session, member_id=member.id)
    await schedule_reminders(session, bd, action, group)
    await tell_owner(session, bd, action, group, "new")
    owners = await repo.members_by_id(session, ids={owner_id})
    reply = actor.lang._(
        "✅ Action item recorded: {line}", line=action_line(actor.lang, action, owners)
    )
    return reply, panel(actor.lang, meeting)


def _due_date(actor: Actor, tz: ZoneInfo, now: datetime, text: str) -> date:
    """The one date the coordinator typed, today or later in the group's zone."""
    found = parse_candidates(text, tz=tz, now=now, lang=actor.lang.code)
    if len(found) != 1:
        raise GremiumError("Please send exactly one date.")
    due = found[0].begins.astimezone(tz).date()
    if due < now.astimezone(tz).date():
        raise GremiumError("That date has passed. Please send a later one.")
    return due
