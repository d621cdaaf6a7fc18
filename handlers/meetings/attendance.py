"""Attendance at a meeting: "I'm here" (button or deep link), /checkin's QR code for the venue,
and the coordinators' list of names with its corrections."""

from __future__ import annotations

import io
from html import escape

import segno
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.i18n import Lang
from handlers.callback_data import AttendanceList, CheckInHere, CorrectCheckIn
from handlers.callbacks import decode, encode
from handlers.common import group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings.lookup import (
    check_in_now,
    current_meeting,
    managed_group,
    scheduled_meeting,
)
from handlers.meetings.record_texts import attendance_list, place_lines
from handlers.meetings.texts import meeting_when
from handlers.texts import plain
from storage import record as repo
from storage.models import Group, Meeting

#: The start payload of the check-in link: ``?start=here-<token>``.
HERE_PREFIX = "here-"


async def here_button(update: Update, context: Context) -> None:
    """ "I'm here" on a reminder or in /meetings."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), CheckInHere):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        meeting, group = await scheduled_meeting(session, data.meeting_id)
        reply = await check_in_now(session, bd, actor, meeting, group)
    await query.answer(plain(reply), show_alert=True)


async def here_link(update: Update, context: Context) -> None:
    """``/start here-<token>``: the QR code at the venue was scanned."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    token = (context.args or [""])[0][len(HERE_PREFIX) :][:32]
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        actor.require_member()
        meeting = await repo.meeting_by_token(session, token=token) if token else None
        if meeting is None:
            reply = actor.lang._("This check-in link is not valid (any more).")
        else:
            _, group = await scheduled_meeting(session, meeting.id or 0)
            reply = await check_in_now(session, bd, actor, meeting, group)
    await message.reply_text(reply)


def qr_png(link: str) -> bytes:
    """The link as a QR code, big enough to scan from across a room."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=12, border=4)
    return buffer.getvalue()


async def checkin_command(update: Update, context: Context) -> None:
    """/checkin <group>: the check-in link of the current or next meeting as a QR code."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        group = await managed_group(session, actor, context.args, "/checkin")
        meeting = await current_meeting(session, bd, group, now=bd.clock.now())
        token = await repo.checkin_token(session, meeting=meeting)
    link = f"https://t.me/{context.bot.username}?start={HERE_PREFIX}{token}"
    caption = _qr_caption(actor.lang, bd, group, meeting, link)
    await message.reply_photo(qr_png(link), caption=caption)


def _qr_caption(lang: Lang, bd: BotData, group: Group, meeting: Meeting, link: str) -> str:
    tz = group_zone(group, bd.timezone)
    lines = [
        "✋ " + lang._("Check-in: <b>{group}</b>", group=escape(group.name)),
        meeting_when(lang, meeting, tz),
        *place_lines(lang, meeting),
        "",
        lang._("Show this code at the venue: scanning it checks the member in."),
        link,
    ]
    return "\n".join(lines)


async def attendance_button(update: Update, context: Context) -> None:
    """A coordinator opens the attendance list of a meeting."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), AttendanceList):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        meeting, group = await scheduled_meeting(session, data.meeting_id)
        await require_group_manager(session, actor, group)
        text, markup = await attendance_view(session, bd, actor.lang, meeting, group)
    await query.answer()
    await context.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def correct_button(update: Update, context: Context) -> None:
    """A coordinator adds someone to the list of those present, or removes a mistake."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), CorrectCheckIn):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        meeting, group = await scheduled_meeting(session, data.meeting_id)
        await require_group_manager(session, actor, group)
        members = {m.id for m in await repo.group_members(session, group_id=meeting.group_id)}
        if data.member_id not in members:
            await query.answer()
            return
        assert meeting.id is not None
        if not await repo.undo_check_in(session, meeting_id=meeting.id, member_id=data.member_id):
            await repo.check_in(
                session,
                meeting_id=meeting.id,
                member_id=data.member_id,
                source="added",
                now=bd.clock.now(),
            )
        text, markup = await attendance_view(session, bd, actor.lang, meeting, group)
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


async def attendance_view(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup]:
    """The names and one toggle button per member (✅ present, ▫️ not)."""
    assert meeting.id is not None and group.id is not None
    members = await repo.group_members(session, group_id=group.id)
    answers = await repo.answers(session, meeting_id=meeting.id)
    present = await repo.checked_in_ids(session, meeting_id=meeting.id)
    anonymous = await repo.checkin_count(session, meeting_id=meeting.id) - len(present)
    tz = group_zone(group, bd.timezone)
    text = attendance_list(lang, group, meeting, tz, members, answers, present, anonymous)
    buttons = [
        InlineKeyboardButton(
            ("✅ " if m.id in present else "▫️ ") + m.display_name[:40],
            callback_data=encode(CorrectCheckIn(meeting.id, m.id or 0)),
        )
        for m in members
    ]
    return text, InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers (the check-in link before the general /start)."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    here = private & filters.Regex(rf"^/start {HERE_PREFIX}")
    app.add_handler(CommandHandler("start", here_link, filters=here))
    app.add_handler(CommandHandler("checkin", checkin_command, filters=private))
