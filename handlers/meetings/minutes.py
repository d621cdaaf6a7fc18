"""After a meeting: /minutes (a text, a document or both, forwarded by Telegram's file id and
never downloaded), decisions and action items in a short dialogue, the responsible person's
reminder and their one-tap "done"."""

from __future__ import annotations

from html import escape
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CommandHandler, filters

from domain.dates import parse_candidates
from domain.errors import GremiumError
from domain.i18n import Lang
from domain.record import action_reminder_times
from handlers.callback_data import ActionDone, ActionOwner, RecordAction, RecordStep
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings.agenda_input import item_text
from handlers.meetings.lookup import managed_group, message_parts, scheduled_meeting
from handlers.meetings.record_texts import action_line
from handlers.meetings.texts import meeting_when
from handlers.notices import queue_message, text_part
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import record as repo
from storage import tasks
from storage.inputs import clear_pending_inputs
from storage.models import DueTask, Group, Meeting, TaskKind
from storage.record_models import ActionItem, RecordInput
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
        member = actor.require_member()
        assert member.id is not None and meeting.id is not None
        await clear_pending_inputs(session, member_id=member.id)
        await repo.expect(
            session,
            member_id=member.id,
            step=Typing.MINUTES,
            ref_id=meeting.id,
            now=bd.clock.now(),
        )
        tz = group_zone(group, bd.timezone)
        text = actor.lang._(
            "🗒 Minutes of <b>{group}</b>, {when}.\nSend the minutes as a text, a document "
            "(PDF, DOCX or ODT), or both. Then record decisions and action items, and send "
            "it all to the members.",
            group=escape(group.name),
            when=meeting_when(actor.lang, meeting, tz),
        )
    await message.reply_text(text, reply_markup=panel(actor.lang, meeting))


async def _latest_held(session: AsyncSession, bd: BotData, group: Group) -> Meeting:
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
        meeting, group = await scheduled_meeting(session, data.meeting_id)
        await require_group_manager(session, actor, group)
        member = actor.require_member()
        assert member.id is not None and meeting.id is not None
        if data.step == RecordStep.MINUTES:
            reply = await send_minutes(session, bd, actor.lang, meeting, group)
        else:
            step = Typing.DECISION if data.step == RecordStep.DECISION else Typing.ACTION_WHAT
            await clear_pending_inputs(session, member_id=member.id)
            await repo.expect(
                session, member_id=member.id, step=step, ref_id=meeting.id, now=bd.clock.now()
            )
            reply = (
                actor.lang._("Send the decision as one message.")
                if step == Typing.DECISION
                else actor.lang._("What is to be done? Send it as one message.")
            )
    await query.answer()
    await context.bot.send_message(query.from_user.id, reply)
    bd.dispatcher.wake()


async def take_message(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, message: Message
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The coordinator sent minutes, a decision, or a part of an action item."""
    member = actor.require_member()
    assert member.id is not None
    meeting, group = await scheduled_meeting(session, pending.ref_id)
    await require_group_manager(session, actor, group)
    assert meeting.id is not None and group.id is not None
    now, lang = bd.clock.now(), actor.lang
    if pending.step == Typing.MINUTES:
        return await _take_minutes(session, bd, actor, meeting, message), panel(lang, meeting)
    text = message.text or ""
    if pending.step == Typing.DECISION:
        await repo.add_decision(session, meeting_id=meeting.id, text=item_text(text), now=now)
        await repo.stop_expecting(session, member_id=member.id)
        return lang._("⚖️ Decision recorded."), panel(lang, meeting)
    if pending.step == Typing.ACTION_WHAT:
        await repo.expect(
            session,
            member_id=member.id,
            step=Typing.ACTION_WHO,
            ref_id=meeting.id,
            now=now,
            data={"text": item_text(text)},
        )
        return lang._("Who is responsible? Tap a member of {group}.", group=escape(group.name)), (
            await _owners(session, meeting, group)
        )
    if pending.step == Typing.ACTION_WHO:
        return lang._("Please tap the person responsible."), await _owners(session, meeting, group)
    if pending.step == Typing.ACTION_DUE:
        return await _take_due(session, bd, actor, pending, meeting, group, text)
    return lang._("Please use the buttons."), panel(lang, meeting)


async def _take_minutes(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, message: Message
) -> str:
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


async def _owners(session: AsyncSession, meeting: Meeting, group: Group) -> InlineKeyboardMarkup:
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
        meeting, group = await scheduled_meeting(session, data.meeting_id)
        await require_group_manager(session, actor, group)
        member = actor.require_member()
        assert member.id is not None and meeting.id is not None and group.id is not None
        pending = await repo.expected(session, member_id=member.id)
        if pending is None or pending.step != Typing.ACTION_WHO or pending.ref_id != meeting.id:
            raise GremiumError("This question is no longer open.")
        owner = await group_repo.get_membership(
            session, member_id=data.member_id, group_id=group.id
        )
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
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(
        query.from_user.id, actor.lang._("By when? Send a date, for example 15.02.2027.")
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
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    found = parse_candidates(text, tz=tz, now=now, lang=actor.lang.code)
    if len(found) != 1:
        raise GremiumError("Please send exactly one date.")
    due = found[0].begins.astimezone(tz).date()
    if due < now.astimezone(tz).date():
        raise GremiumError("That date has passed. Please send a later one.")
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
    await _schedule_reminders(session, bd, action, group)
    await _tell_owner(session, bd, action, group, "new")
    owners = await repo.members_by_id(session, ids={owner_id})
    reply = actor.lang._(
        "✅ Action item recorded: {line}", line=action_line(actor.lang, action, owners)
    )
    return reply, panel(actor.lang, meeting)


async def _schedule_reminders(
    session: AsyncSession, bd: BotData, action: ActionItem, group: Group
) -> None:
    assert action.id is not None
    tz = group_zone(group, bd.timezone)
    for due in action_reminder_times(action.due_on, now=bd.clock.now(), tz=tz):
        await tasks.schedule(session, kind=TaskKind.ACTION_REMINDER, ref_id=action.id, due_at=due)


def _done_keyboard(lang: Lang, action: ActionItem) -> InlineKeyboardMarkup:
    assert action.id is not None
    label = "✅ " + lang._("Done")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=encode(ActionDone(action.id)))]]
    )


async def _tell_owner(
    session: AsyncSession, bd: BotData, action: ActionItem, group: Group, tag: str
) -> int:
    """The person responsible hears of the item (``tag`` "new") or is reminded."""
    owners = await repo.members_by_id(session, ids={action.assignee_id or 0})
    owner = owners.get(action.assignee_id or 0)
    if owner is None or owner.unreachable_since is not None or action.done_at is not None:
        return 0
    lang = bd.translator.get(owner.language)
    what, day = escape(action.text), lang.day(action.due_on)
    if tag == "new":
        text = lang._(
            "✅ <b>{group}</b>: you took on an action item, due on {day}:\n{what}\n\n"
            "Tap “Done” when it is done.",
            group=escape(group.name),
            day=day,
            what=what,
        )
    else:
        text = lang._(
            "⏰ Reminder: <b>{group}</b> counts on you for this, due on {day}:\n{what}",
            group=escape(group.name),
            day=day,
            what=what,
        )
    return int(
        await queue_message(
            session,
            bd,
            key=f"ai{action.id}:{tag}:{owner.telegram_id}",
            kind="action_item",
            chat_id=owner.telegram_id,
            member_id=owner.id,
            payload=[text_part(text, _done_keyboard(lang, action))],
            quiet=tag == "new",
            group=group,
        )
    )


async def remind_action(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    """Due task: remind the person responsible, unless the item is done."""
    action = await repo.get_action(session, action_id=task.ref_id)
    if action is None or action.done_at is not None:
        return
    group = await group_repo.get_group(session, group_id=action.group_id)
    assert group is not None
    await _tell_owner(session, bd, action, group, f"t{task.id}")


async def done_button(update: Update, context: Context) -> None:
    """The person responsible (or a coordinator) marks an action item done."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ActionDone):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        member = actor.require_member()
        action = await repo.get_action(session, action_id=data.action_id)
        if action is None:
            raise GremiumError("This item is gone.")
        group = await group_repo.get_group(session, group_id=action.group_id)
        assert group is not None and action.id is not None
        if action.assignee_id != member.id:
            await require_group_manager(session, actor, group)
        if action.done_at is None:
            action.done_at = bd.clock.now()
            session.add(action)
            await tasks.cancel(session, kind=TaskKind.ACTION_REMINDER, ref_id=action.id)
        text = actor.lang._("✅ Done: {what}", what=escape(action.text))
    await query.answer(actor.lang._("Thank you!"))
    if isinstance(query.message, Message) and query.message.text:
        await query.edit_message_text(text)


async def send_minutes(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> str:
    """Send what is not sent yet (texts, documents by file id, decisions, actions) to every
    member of the group."""
    assert meeting.id is not None and group.id is not None
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
                payload.append(
                    {"method": "sendDocument", "params": {**params, "parse_mode": "HTML"}}
                )
        count += await queue_message(
            session,
            bd,
            key=f"mn{meeting.id}:{batch}:{len(decisions)}:{len(actions)}:{member.telegram_id}",
            kind="minutes",
            chat_id=member.telegram_id,
            member_id=member.id,
            payload=payload,
            group=group,
        )
    for part in parts:
        part.sent_at = now
        session.add(part)
    return lang.ngettext(
        "📤 The minutes went to {n} member.", "📤 The minutes went to {n} members.", count
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("minutes", minutes_command, filters=private))
