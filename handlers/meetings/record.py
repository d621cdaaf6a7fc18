"""/record: a group's past and coming meetings with attendance, agenda, minutes, decisions and
actions, for coordinators and organisers; the CSV and PDF exports; a meeting's online link."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.i18n import Lang
from domain.record import AttendanceRow
from handlers.callback_data import RecordAction, RecordStep
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings.exports import Sheet, attendance_pdf, csv_bytes
from handlers.meetings.flow import announce_meeting
from handlers.meetings.lookup import managed_group, scheduled_meeting
from handlers.meetings.record_texts import record_of_meeting
from storage import meetings as meeting_repo
from storage import record as repo
from storage.inputs import clear_pending_inputs
from storage.models import Group, Meeting
from storage.record_models import RecordStep as Typing

#: Past meetings /record shows (the CSV has them all).
PAST_SHOWN = 5
#: Telegram's limit for one message, with room to spare.
MESSAGE_ROOM = 3800
ANONYMOUS = "(anonymous)"


async def record_command(update: Update, context: Context) -> None:
    """/record [group]: the group's record, one message per meeting, with the export buttons."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        group = await managed_group(session, actor, context.args, "/record")
        assert group.id is not None
        meetings = await repo.meetings_of_group(session, group_id=group.id)
        now = bd.clock.now()
        past = [m for m in meetings if m.starts_at < now][-PAST_SHOWN:]
        shown = past + [m for m in meetings if m.starts_at >= now]
        views = [await _meeting_view(session, bd, actor.lang, m, group) for m in shown]
    lang = actor.lang
    head = "📚 " + lang._("<b>{group}</b>: the record", group=escape(group.name))
    if not views:
        await message.reply_text(head + "\n" + lang._("No meetings yet."))
        return
    await message.reply_text(head)
    for text, markup in views:
        await message.reply_text(text[:MESSAGE_ROOM], reply_markup=markup)


async def _meeting_view(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup]:
    """One meeting's record, with its export buttons."""
    assert meeting.id is not None
    coming, not_coming = await meeting_repo.attendance_counts(session, meeting_id=meeting.id)
    present_ids = await repo.checked_in_ids(session, meeting_id=meeting.id)
    present = sorted(
        (await repo.members_by_id(session, ids=present_ids)).values(),
        key=lambda m: m.display_name.casefold(),
    )
    anonymous = await repo.checkin_count(session, meeting_id=meeting.id) - len(present)
    actions = await repo.actions_of(session, meeting_id=meeting.id)
    owners = await repo.members_by_id(
        session, ids={a.assignee_id for a in actions if a.assignee_id is not None}
    )
    text = record_of_meeting(
        lang,
        meeting,
        group_zone(group, bd.timezone),
        coming=coming,
        not_coming=not_coming,
        present=present,
        anonymous_present=anonymous,
        items=await repo.agenda(session, meeting_id=meeting.id),
        minutes=await repo.minutes_of(session, meeting_id=meeting.id),
        decisions=await repo.decisions_of(session, meeting_id=meeting.id),
        actions=actions,
        owners=owners,
    )
    return text, _record_keyboard(lang, meeting, upcoming=meeting.starts_at >= bd.clock.now())


def _record_keyboard(lang: Lang, meeting: Meeting, *, upcoming: bool) -> InlineKeyboardMarkup:
    """The exports; for a meeting still to come also the online link."""

    def button(label: str, step: RecordStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=encode(RecordAction(step, meeting.id or 0))
        )

    rows = [
        [
            button("📄 " + lang._("Attendance list (PDF)"), RecordStep.PDF),
            button("📊 " + lang._("All meetings (CSV)"), RecordStep.CSV),
        ]
    ]
    if upcoming:
        rows.append([button("🌐 " + lang._("Online link"), RecordStep.LINK)])
    return InlineKeyboardMarkup(rows)


async def export_button(update: Update, context: Context) -> None:
    """PDF attendance list, CSV of all meetings, or the online link (coordinators, organisers)."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), RecordAction):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        meeting, group = await scheduled_meeting(session, data.meeting_id)
        await require_group_manager(session, actor, group)
        if data.step == RecordStep.LINK:
            prompt, content = await _ask_link(session, bd, actor, meeting), None
        else:
            prompt = None
            content = await _export(session, bd, actor.lang, meeting, group, data.step)
    await query.answer()
    if content is not None:
        name, payload = content
        await context.bot.send_document(query.from_user.id, payload, filename=name)
    elif prompt is not None:
        await context.bot.send_message(query.from_user.id, prompt)


async def _ask_link(session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting) -> str:
    """The coordinator's next message is the meeting's online link; the question."""
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None
    await clear_pending_inputs(session, member_id=member.id)
    await repo.expect(
        session,
        member_id=member.id,
        step=Typing.ONLINE_LINK,
        ref_id=meeting.id,
        now=bd.clock.now(),
    )
    return actor.lang._("Send the link for joining online (https://…), or - to remove it.")


async def _export(
    session: AsyncSession,
    bd: BotData,
    lang: Lang,
    meeting: Meeting,
    group: Group,
    step: RecordStep,
) -> tuple[str, bytes]:
    tz = group_zone(group, bd.timezone)
    if step == RecordStep.CSV:
        rows = await attendance_rows(session, group)
        return f"{group.slug}-attendance.csv", csv_bytes(rows, tz)
    assert meeting.id is not None
    present_ids = await repo.checked_in_ids(session, meeting_id=meeting.id)
    names = sorted(
        (m.display_name for m in (await repo.members_by_id(session, ids=present_ids)).values()),
        key=str.casefold,
    )
    sheet = Sheet(
        group,
        meeting,
        names,
        await repo.checkin_count(session, meeting_id=meeting.id) - len(names),
        bd.organisation_name,
        bd.clock.now(),
    )
    day = meeting.starts_at.astimezone(tz).date().isoformat()
    return f"{group.slug}-{day}-attendance.pdf", attendance_pdf(lang, sheet, tz)


async def attendance_rows(session: AsyncSession, group: Group) -> list[AttendanceRow]:
    """One row per meeting and member: the group's members and anyone else who answered or
    came; forgotten members' answers and check-ins as anonymous rows."""
    assert group.id is not None
    members = await repo.group_members(session, group_id=group.id)
    rows = []
    for meeting in await repo.meetings_of_group(session, group_id=group.id):
        assert meeting.id is not None
        answers = await repo.answers(session, meeting_id=meeting.id)
        present = await repo.checked_in_ids(session, meeting_id=meeting.id)
        people = {m.id: m for m in members if m.id is not None}
        people |= await repo.members_by_id(session, ids=(set(answers) | present) - set(people))
        for member_id, member in people.items():
            rows.append(
                AttendanceRow(
                    meeting.starts_at,
                    group.name,
                    member.display_name,
                    answers.get(member_id),
                    member_id in present,
                )
            )
        anonymous = await repo.checkin_count(session, meeting_id=meeting.id) - len(present)
        rows += [
            AttendanceRow(meeting.starts_at, group.name, ANONYMOUS, None, True)
            for _ in range(anonymous)
        ]
    return rows


async def take_link(
    session: AsyncSession, bd: BotData, actor: Actor, meeting_id: int, text: str
) -> str:
    """The coordinator typed the online link of a meeting: store it and tell everyone."""
    lang = actor.lang
    meeting, group = await scheduled_meeting(session, meeting_id)
    await require_group_manager(session, actor, group)
    text = text.strip()
    if text == "-":
        meeting.online_url = None
    elif text.startswith(("https://", "http://")) and " " not in text and len(text) <= 500:
        meeting.online_url = text
    else:
        raise GremiumError("Please send a link that starts with https://, or - to remove it.")
    meeting.sequence += 1
    meeting.updated_at = bd.clock.now()
    session.add(meeting)
    await announce_meeting(session, bd, meeting, group, changed=True)
    return lang._("Saved; everyone got the updated notice and calendar file.")


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("record", record_command, filters=private))


#: The steps of a record button that belong to /record (the rest are the minutes' dialogue).
EXPORT_STEPS = frozenset({RecordStep.PDF, RecordStep.CSV, RecordStep.LINK})
