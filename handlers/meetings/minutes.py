"""After a meeting: /minutes (a text, a document or both, forwarded by Telegram's file id and
never downloaded), the coordinator's panel, and sending it all to the members (decisions and
action items are recorded in :mod:`.decisions`)."""

from __future__ import annotations

from html import escape
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers.callback_data import RecordAction, RecordStep
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings.lookup import managed_group, message_parts, scheduled_meeting
from handlers.meetings.record_texts import action_line
from handlers.meetings.texts import meeting_when
from handlers.notices import queue_message
from storage import meetings as meeting_repo
from storage import record as repo
from storage.inputs import clear_pending_inputs
from storage.models import Group, Meeting, Member
from storage.record_models import ActionItem, Decision, Minutes
from storage.record_models import RecordStep as Typing

#: Documents accepted as minutes, by MIME type and by file name ending.
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
}


async def minutes_command(update: Update, context: Context) -> None:
    """/minutes [group]: record the minutes of the group's latest meeting."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        group = await managed_group(session, actor, context.args, "/minutes")
        meeting = await _latest_held(session, bd, group)
        await _expect(session, bd, actor, Typing.MINUTES, meeting)
        tz = group_zone(group, bd.timezone)
        text = actor.lang._(
            "🗒 Minutes of <b>{group}</b>, {when}.\nSend the minutes as a text, a document "
            "(PDF, DOCX or ODT), or both. Then record decisions and action items, and send "
            "it all to the members.",
            group=escape(group.name),
            when=meeting_when(actor.lang, meeting, tz),
        )
    await message.reply_text(text, reply_markup=panel(actor.lang, meeting))


async def _expect(
    session: AsyncSession, bd: BotData, actor: Actor, step: Typing, meeting: Meeting
) -> None:
    """The coordinator's next message answers ``step``; any other waiting input is dropped."""
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None
    await clear_pending_inputs(session, member_id=member.id)
    await repo.expect(
        session, member_id=member.id, step=step, ref_id=meeting.id, now=bd.clock.now()
    )


async def _latest_held(session: AsyncSession, bd: BotData, group: Group) -> Meeting:
    """The group's latest meeting that has begun."""
    assert group.id is not None
    held = [
        m
        for m in await repo.meetings_of_group(session, group_id=group.id)
        if m.starts_at <= bd.clock.now()
    ]
    if not held:
        raise GremiumError("No meeting of {group} has taken place yet.", group=group.name)
    return held[-1]


def panel(lang: Lang, meeting: Meeting) -> InlineKeyboardMarkup:
    """What a coordinator can record next."""
    assert meeting.id is not None

    def button(label: str, step: RecordStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=encode(RecordAction(step, meeting.id or 0))
        )

    return InlineKeyboardMarkup(
        [
            [
                button("⚖️ " + lang._("Decision"), RecordStep.DECISION),
                button("✅ " + lang._("Action item"), RecordStep.ACTION),
            ],
            [button("📤 " + lang._("Send to the members"), RecordStep.MINUTES)],
        ]
    )


async def record_button(update: Update, context: Context) -> None:
    """Decision, action item or "send the minutes" (coordinators)."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), RecordAction):
        return
    if data.step not in (RecordStep.DECISION, RecordStep.ACTION, RecordStep.MINUTES):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        reply = await _record_step(session, bd, actor, data)
    await query.answer()
    await context.bot.send_message(query.from_user.id, reply)
    bd.dispatcher.wake()


async def _record_step(
    session: AsyncSession, bd: BotData, actor: Actor, data: RecordAction
) -> str:
    """Send the minutes, or ask for a decision or an action item; the reply."""
    meeting, group = await scheduled_meeting(session, data.meeting_id)
    await require_group_manager(session, actor, group)
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None
    if data.step == RecordStep.MINUTES:
        return await send_minutes(session, bd, actor.lang, meeting, group)
    if data.step == RecordStep.DECISION:
        await _expect(session, bd, actor, Typing.DECISION, meeting)
        return actor.lang._("Send the decision as one message.")
    await _expect(session, bd, actor, Typing.ACTION_WHAT, meeting)
    return actor.lang._("What is to be done? Send it as one message.")


async def take_minutes(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, message: Message
) -> str:
    """A text, a document or both as part of the minutes; kept until they are sent."""
    member = actor.require_member()
    assert member.id is not None and meeting.id is not None
    file_id = file_name = None
    text = message.text or message.caption
    if message.document is not None:
        name = message.document.file_name or ""
        kind = message.document.mime_type or ""
        if kind not in DOCUMENT_TYPES and not name.lower().endswith(
            tuple(DOCUMENT_TYPES.values())
        ):
            raise GremiumError("Please send the minutes as PDF, DOCX or ODT, or as text.")
        file_id, file_name = message.document.file_id, name[:200] or None
    elif not text:
        raise GremiumError("Please send the minutes as PDF, DOCX or ODT, or as text.")
    await repo.add_minutes(
        session,
        meeting_id=meeting.id,
        author_id=member.id,
        text=text,
        file_id=file_id,
        file_name=file_name,
        now=bd.clock.now(),
    )
    return actor.lang._(
        "🗒 Added to the minutes. Send more, or record decisions and action items; "
        "“Send to the members” sends it all."
    )


async def send_minutes(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> str:
    """Send what is not sent yet (texts, documents by file id, decisions, actions) to every
    member of the group."""
    assert meeting.id is not None and group.id is not None
    parts, decisions, actions, owners = await _to_send(session, meeting)
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    batch = max([p.id or 0 for p in parts] + [0])
    count = 0
    for member in await meeting_repo.members_of_group(session, group_id=group.id):
        if member.unreachable_since is not None:
            continue
        reader = bd.translator.get(member.language)
        head = "🗒 " + reader._(
            "Minutes of <b>{group}</b>, {when}",
            group=escape(group.name),
            when=meeting_when(reader, meeting, tz),
        )
        count += await queue_message(
            session,
            bd,
            key=f"mn{meeting.id}:{batch}:{len(decisions)}:{len(actions)}:{member.telegram_id}",
            kind="minutes",
            chat_id=member.telegram_id,
            member_id=member.id,
            payload=_payload(reader, head, parts, decisions, actions, owners),
            group=group,
        )
    for part in parts:
        part.sent_at = now
        session.add(part)
    return lang.ngettext(
        "📤 The minutes went to {n} member.", "📤 The minutes went to {n} members.", count
    )


async def _to_send(
    session: AsyncSession, meeting: Meeting
) -> tuple[list[Minutes], list[Decision], list[ActionItem], dict[int, Member]]:
    """The unsent minutes, the decisions, the action items and their owners; refused if there
    is nothing to send."""
    assert meeting.id is not None
    parts = [m for m in await repo.minutes_of(session, meeting_id=meeting.id) if m.sent_at is None]
    decisions = await repo.decisions_of(session, meeting_id=meeting.id)
    actions = await repo.actions_of(session, meeting_id=meeting.id)
    if not parts and not decisions and not actions:
        raise GremiumError(
            "There is nothing to send yet: send the minutes as a text or a document."
        )
    owners = await repo.members_by_id(
        session, ids={a.assignee_id for a in actions if a.assignee_id is not None}
    )
    return parts, decisions, actions, owners


def _payload(
    reader: Lang,
    head: str,
    parts: list[Minutes],
    decisions: list[Decision],
    actions: list[ActionItem],
    owners: dict[int, Member],
) -> list[dict[str, Any]]:
    """One member's minutes: the texts, decisions and action items, then each document."""
    body = [head, *(escape(p.text) for p in parts if p.text and not p.file_id)]
    if decisions:
        body += ["", "<b>" + reader._("Decisions:") + "</b>"]
        body += ["• " + escape(d.text) for d in decisions]
    if actions:
        body += ["", "<b>" + reader._("Action items:") + "</b>"]
        body += ["• " + action_line(reader, a, owners) for a in actions]
    payload: list[dict[str, Any]] = message_parts("\n".join(body))
    for part in parts:
        if part.file_id:
            params: dict[str, Any] = {"document": part.file_id, "caption": head}
            if part.text:
                params["caption"] = head + "\n" + escape(part.text[:800])
            payload.append({"method": "sendDocument", "params": {**params, "parse_mode": "HTML"}})
    return payload


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("minutes", minutes_command, filters=private))
