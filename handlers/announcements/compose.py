"""Announcements: /announce, choosing the group, the text and its preview, /cancel."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CommandHandler, filters

from domain.dates import parse_moment
from domain.errors import GremiumError
from handlers.announcements import texts as atexts
from handlers.announcements.keyboards import preview_keyboard
from handlers.callback_data import AnnounceTarget
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from runtime.sending import send_part
from storage import announcements as repo
from storage import groups as group_repo
from storage.models import Announcement, AnnouncementStatus, ContentKind, Group

log = logging.getLogger(__name__)
ALL_GROUPS = 0


async def announce_command(update: Update, context: Context) -> None:
    """Ask which group the announcement is for."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        groups = await announceable_groups(session, actor)
    if not groups:
        raise GremiumError("Only coordinators and organisers can send announcements.")
    rows = [
        [InlineKeyboardButton(g.name, callback_data=encode(AnnounceTarget(g.id or 0)))]
        for g in groups
    ]
    if actor.is_admin:
        label = "📣 " + actor.lang._("All working groups")
        rows.append(
            [InlineKeyboardButton(label, callback_data=encode(AnnounceTarget(ALL_GROUPS)))]
        )
    await message.reply_text(
        actor.lang._("Which group is the announcement for?"),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def announceable_groups(session: AsyncSession, actor: Actor) -> list[Group]:
    if actor.is_admin:
        return [s.group for s in await group_repo.list_active_groups(session)]
    member = actor.require_member()
    assert member.id is not None
    ids = await group_repo.coordinated_group_ids(session, member_id=member.id)
    return [s.group for s in await group_repo.list_active_groups(session) if s.group.id in ids]


async def target_group(session: AsyncSession, actor: Actor, group_id: int | None) -> Group | None:
    """The announcement's group after re-checking the actor may announce to it."""
    if not group_id:
        if not actor.is_admin:
            raise GremiumError("Sorry, only the organisers can do that.")
        return None
    group = await group_repo.get_group(session, group_id=group_id)
    if group is None or group.archived_at is not None:
        raise GremiumError("This group does not exist any more. /groups shows the current ones.")
    await require_group_manager(session, actor, group)
    return group


async def target_button(update: Update, context: Context) -> None:
    """The group was chosen: open a draft and ask for the message."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), AnnounceTarget):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        group = await target_group(session, actor, data.group_id)
        await repo.open_draft(
            session,
            sender=actor.require_member(),
            group_id=group.id if group else None,
            now=bd.clock.now(),
        )
    await query.answer()
    await query.edit_message_text(
        atexts.ask_for_content(actor.lang, group.name if group else None)
    )


async def input_message(update: Update, context: Context) -> None:
    """A private message that is not a command: content or time for a draft, else a hint."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        draft = None
        if actor.member is not None and actor.member.id is not None:
            draft = await repo.get_awaiting_input(session, sender_id=actor.member.id)
        if draft is None:
            reply = actor.lang._(
                "I understand commands, not free text. /help lists what I can do."
            )
            await message.reply_text(reply)
            return
        group = await target_group(session, actor, draft.group_id)
        if draft.status == AnnouncementStatus.AWAITING_TIME:
            text = await _schedule(session, bd, actor, draft, group, message.text or "")
        else:
            _take_content(draft, message)
            session.add(draft)
            text = None
            has_chat = bool(await repo.linked_chats(session, group_id=draft.group_id))
    if text is not None:
        await message.reply_text(text)
        return
    await _send_preview(context, actor, draft, group, has_chat)


def _take_content(draft: Announcement, message: Message) -> None:
    """Copy text, photo or document (with its formatting) into the draft."""
    if message.photo:
        draft.content_kind, draft.file_id = ContentKind.PHOTO, message.photo[-1].file_id
        draft.text_html = message.caption_html if message.caption else None
    elif message.document is not None:
        draft.content_kind, draft.file_id = ContentKind.DOCUMENT, message.document.file_id
        draft.text_html = message.caption_html if message.caption else None
    elif message.text:
        draft.content_kind, draft.text_html = ContentKind.TEXT, message.text_html
    else:
        raise GremiumError("Please send a text, a photo or a document.")
    draft.status = AnnouncementStatus.PREVIEW


async def _send_preview(
    context: Context, actor: Actor, draft: Announcement, group: Group | None, has_chat: bool
) -> None:
    """Show the announcement exactly as members will see it, with the decision buttons."""
    assert actor.member is not None and draft.id is not None
    head = atexts.header(actor.lang, group.name if group else None, actor.member.display_name)
    parts = atexts.payload(actor.lang, draft, head)
    markup = preview_keyboard(actor.lang, draft, has_chat)
    for index, part in enumerate(parts):
        if index == len(parts) - 1:
            part = {**part, "params": {**part["params"], "reply_markup": markup}}
        await send_part(context.bot, actor.user.id, part)


async def _schedule(
    session: AsyncSession,
    bd: BotData,
    actor: Actor,
    draft: Announcement,
    group: Group | None,
    text: str,
) -> str:
    """Parse the time the coordinator wrote and schedule the announcement."""
    assert draft.id is not None
    tz = group_zone(group, bd.timezone)
    when = parse_moment(text, tz=tz, now=bd.clock.now(), lang=actor.lang.code)
    await repo.transition(
        session,
        announcement_id=draft.id,
        from_status=(AnnouncementStatus.AWAITING_TIME,),
        to_status=AnnouncementStatus.SCHEDULED,
        scheduled_for=when,
    )
    return atexts.scheduled(actor.lang, actor.lang.when(when, tz))


async def cancel_command(update: Update, context: Context) -> None:
    """Drop the announcement being written."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        member = actor.require_member()
        assert member.id is not None
        draft = await repo.get_awaiting_input(session, sender_id=member.id)
        if draft is not None and draft.id is not None:
            await repo.transition(
                session,
                announcement_id=draft.id,
                from_status=repo.UNFINISHED,
                to_status=AnnouncementStatus.CANCELLED,
            )
    text = (
        actor.lang._("Cancelled. Nothing was sent.")
        if draft
        else actor.lang._("There is nothing to cancel.")
    )
    await message.reply_text(text)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("announce", announce_command, filters=private))
    app.add_handler(CommandHandler("cancel", cancel_command, filters=private))
