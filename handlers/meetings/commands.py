"""Meetings: attendance buttons, /meetings, moving and cancelling a meeting."""

from __future__ import annotations

import logging
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CommandHandler, filters

from domain.candidates import parse_candidates
from domain.errors import GremiumError
from domain.record import checkin_window, proposals_open
from handlers.callback_data import (
    Attend,
    AttendanceList,
    MeetingManage,
    MeetingStep,
)
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings import texts as mtexts
from handlers.meetings.flow import announce_meeting, replan
from storage import groups as group_repo
from storage import meetings as repo
from storage import record as record_repo
from storage import tasks
from storage.inputs import clear_pending_inputs
from storage.models import Group, Meeting, MeetingStatus, TaskKind

log = logging.getLogger(__name__)


async def attend_button(update: Update, context: Context) -> None:
    """I'll come / I can't."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), Attend):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        meeting = await _set_attendance(session, bd, actor, data)
    note = (
        actor.lang._("See you there!")
        if data.coming
        else actor.lang._("Thank you for letting us know.")
    )
    await query.answer(note)
    if isinstance(query.message, Message):
        await _redraw_attendance(bd, query, query.message, actor, meeting, data.coming)


async def _set_attendance(
    session: AsyncSession, bd: BotData, actor: Actor, data: Attend
) -> Meeting:
    """Note whether the member comes, if they belong to the group and it has not started."""
    member = actor.require_member()
    meeting = await repo.get_meeting(session, meeting_id=data.meeting_id)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        raise GremiumError("This meeting was cancelled.")
    assert member.id is not None and meeting.id is not None
    if not await group_repo.get_membership(
        session, member_id=member.id, group_id=meeting.group_id
    ):
        raise GremiumError("Only members of this group can answer.")
    if meeting.starts_at <= bd.clock.now():
        raise GremiumError("This meeting has already started.")
    await repo.set_attendance(
        session,
        meeting_id=meeting.id,
        member_id=member.id,
        coming=data.coming,
        now=bd.clock.now(),
    )
    return meeting


async def _redraw_attendance(
    bd: BotData,
    query: CallbackQuery,
    message: Message,
    actor: Actor,
    meeting: Meeting,
    coming: bool,
) -> None:
    """Redraw the pressed keyboard with the member's answer."""
    # The pressed keyboard is not sent back (see drop_echoed_keyboards): redraw it. The
    # notice (with its calendar file) has no "I'm here"; reminders and /meetings have.
    group = await _group_of(bd, meeting)
    await query.edit_message_reply_markup(
        mtexts.attendance_keyboard(
            actor.lang,
            meeting,
            mine=coming,
            here=message.document is None,
            propose=proposals_open(meeting.starts_at, group.agenda_close_days, now=bd.clock.now()),
        )
    )


async def _group_of(bd: BotData, meeting: Meeting) -> Group:
    """The meeting's group, read in a session of its own."""
    async with bd.sessionmaker() as session:
        group = await group_repo.get_group(session, group_id=meeting.group_id)
    assert group is not None
    return group


async def meetings_command(update: Update, context: Context) -> None:
    """The member's upcoming meetings; coordinators also see attendance and their buttons."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        member = actor.require_member()
        assert member.id is not None
        rows = await repo.upcoming_for_member(session, member_id=member.id, now=bd.clock.now())
        views = [await _view(session, bd, actor, m, g) for m, g in rows]
    if not views:
        await message.reply_text(actor.lang._("No meetings are planned for your groups yet."))
        return
    for text, markup in views:
        await message.reply_text(text, reply_markup=markup)


async def _view(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup | None]:
    lang, tz = actor.lang, group_zone(group, bd.timezone)
    assert meeting.id is not None
    lines = [f"📅 <b>{escape(group.name)}</b>", mtexts.meeting_when(lang, meeting, tz)]
    if meeting.location:
        lines.append("📍 " + escape(meeting.location))
    if meeting.online_url:
        lines.append("🌐 " + escape(meeting.online_url))
    try:
        await require_group_manager(session, actor, group)
    except GremiumError:
        return "\n".join(lines), await _member_keyboard(session, bd, actor, meeting, group)
    coming, not_coming = await repo.attendance_counts(session, meeting_id=meeting.id)
    lines.append(
        lang._("👍 {coming} coming · 👎 {absent} not coming", coming=coming, absent=not_coming)
    )
    buttons = [
        InlineKeyboardButton(
            "🗓 " + lang._("Move"),
            callback_data=encode(MeetingManage(MeetingStep.MOVE, meeting.id)),
        ),
        InlineKeyboardButton(
            "✖️ " + lang._("Cancel meeting"),
            callback_data=encode(MeetingManage(MeetingStep.CANCEL, meeting.id)),
        ),
    ]
    more = [
        InlineKeyboardButton(
            "👥 " + lang._("Attendance"), callback_data=encode(AttendanceList(meeting.id))
        ),
    ]
    return "\n".join(lines), InlineKeyboardMarkup([buttons, more])


async def _member_keyboard(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, group: Group
) -> InlineKeyboardMarkup:
    """The member's answer marked; "I'm here" while check-in is open; proposing while open."""
    assert meeting.id is not None and actor.member is not None and actor.member.id is not None
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    mine = await record_repo.answer_of(session, meeting_id=meeting.id, member_id=actor.member.id)
    window = checkin_window(meeting.starts_at, meeting.ends_at, meeting.all_day, tz)
    return mtexts.attendance_keyboard(
        actor.lang,
        meeting,
        mine=mine,
        here=now in window,
        propose=proposals_open(meeting.starts_at, group.agenda_close_days, now=now),
    )


async def manage_button(update: Update, context: Context) -> None:
    """Move (asks for the new date) or cancel a meeting (asks first)."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), MeetingManage):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        meeting = await repo.get_meeting(session, meeting_id=data.meeting_id)
        if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
            raise GremiumError("This meeting was cancelled.")
        group = await group_repo.get_group(session, group_id=meeting.group_id)
        assert group is not None and meeting.id is not None
        await require_group_manager(session, actor, group)
        shown: tuple[str, InlineKeyboardMarkup | None] | None = None
        if data.step == MeetingStep.CANCEL:
            shown = _cancel_question(bd, actor, meeting, group)
        elif data.step == MeetingStep.KEEP:
            shown = await _view(session, bd, actor, meeting, group)
        else:
            reply = await _cancel_or_move(session, bd, actor, meeting, group, data.step)
    await query.answer()
    if shown is not None:  # the question, or the meeting again: in place, nothing changed
        await query.edit_message_text(shown[0], reply_markup=shown[1])
        return
    await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(query.from_user.id, reply)
    bd.dispatcher.wake()


def _cancel_question(
    bd: BotData, actor: Actor, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup]:
    """Asked before a meeting is cancelled for everyone (one tap must not do it)."""
    lang, tz = actor.lang, group_zone(group, bd.timezone)
    assert meeting.id is not None
    text = lang._(
        "Cancel the meeting of <b>{group}</b> on {when}? Every member will be told.",
        group=escape(group.name),
        when=mtexts.meeting_when(lang, meeting, tz),
    )
    buttons = [
        InlineKeyboardButton(
            "✖️ " + lang._("Yes, cancel it"),
            callback_data=encode(MeetingManage(MeetingStep.CONFIRM_CANCEL, meeting.id)),
        ),
        InlineKeyboardButton(
            lang._("Keep the meeting"),
            callback_data=encode(MeetingManage(MeetingStep.KEEP, meeting.id)),
        ),
    ]
    return text, InlineKeyboardMarkup([buttons])


async def _cancel_or_move(
    session: AsyncSession,
    bd: BotData,
    actor: Actor,
    meeting: Meeting,
    group: Group,
    step: MeetingStep,
) -> str:
    """Cancel the meeting (confirmed) and tell everyone, or wait for its new date."""
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None
    if step == MeetingStep.CONFIRM_CANCEL:
        meeting.status, meeting.sequence = MeetingStatus.CANCELLED, meeting.sequence + 1
        meeting.updated_at = bd.clock.now()
        session.add(meeting)
        await tasks.cancel(session, kind=TaskKind.MEETING_REMINDER, ref_id=meeting.id)
        await announce_meeting(session, bd, meeting, group, cancelled=True)
        await replan(session, bd, group)
        return actor.lang._("The meeting is cancelled; everyone was told.")
    await clear_pending_inputs(session, member_id=member.id)
    meeting.editing_by = member.id
    session.add(meeting)
    return actor.lang._(
        "Send the new date and time, for example 12.03.2027 17:00 or 12.03. 17:00-19:00."
    )


async def take_text(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, text: str
) -> str:
    """The coordinator typed the new date of a meeting: move it and tell everyone."""
    group = await group_repo.get_group(session, group_id=meeting.group_id)
    assert group is not None
    tz = group_zone(group, bd.timezone)
    candidates = parse_candidates(text, tz=tz, now=bd.clock.now(), lang=actor.lang.code)
    if len(candidates) != 1:
        raise GremiumError("Please send exactly one date.")
    new = candidates[0]
    length = (meeting.ends_at - meeting.starts_at) if meeting.ends_at else None
    meeting.starts_at, meeting.all_day = new.begins, new.all_day
    meeting.ends_at = (
        None if new.all_day else (new.end or (new.begins + length if length else None))
    )
    meeting.sequence += 1
    meeting.updated_at = bd.clock.now()
    meeting.editing_by = None
    session.add(meeting)
    await announce_meeting(session, bd, meeting, group, changed=True)
    await replan(session, bd, group)
    return actor.lang._(
        "The meeting moved to {when}; everyone got the new calendar file.",
        when=mtexts.meeting_when(actor.lang, meeting, tz),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("meetings", meetings_command, filters=private))
