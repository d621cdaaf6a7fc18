"""Linking a Telegram group chat to a working group: /link, /unlink, supergroup migration."""

from __future__ import annotations

import logging
from html import escape

from sqlmodel import select
from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from domain.errors import GremiumError
from handlers.common import load_actor, require_group_manager, resolve_group
from handlers.context import Context
from storage.models import Group

log = logging.getLogger(__name__)
CHAT_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def _require_chat_admin(update: Update, context: Context) -> None:
    """The person must administer the Telegram group chat they link."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    member = await context.bot.get_chat_member(chat.id, user.id)
    if member.status not in CHAT_ADMINS:
        raise GremiumError("Only an administrator of this chat can link or unlink it.")


async def link_command(update: Update, context: Context) -> None:
    """Link this group chat to a working group: /link <group>."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        if not context.args:
            raise GremiumError("Which group? For example: /link bildung")
        group = await resolve_group(session, " ".join(context.args))
        await require_group_manager(session, actor, group)
        await _require_chat_admin(update, context)
        taken = await session.exec(select(Group).where(Group.chat_id == message.chat.id))
        other = taken.first()
        if other is not None and other.id != group.id:
            raise GremiumError(
                "This chat is already linked to {group}. /unlink there first.", group=other.name
            )
        group.chat_id = message.chat.id
        session.add(group)
    await message.reply_text(
        actor.lang._(
            "This chat is now linked to {group}. Announcements to {group} appear here too.",
            group=escape(group.name),
        )
    )


async def unlink_command(update: Update, context: Context) -> None:
    """Remove the link between this chat and its working group."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        result = await session.exec(select(Group).where(Group.chat_id == message.chat.id))
        group = result.first()
        if group is None:
            raise GremiumError("This chat is not linked to any working group.")
        await require_group_manager(session, actor, group)
        await _require_chat_admin(update, context)
        group.chat_id = None
        session.add(group)
    await message.reply_text(
        actor.lang._("This chat is no longer linked to {group}.", group=escape(group.name))
    )


async def migrated_update(update: Update, context: Context) -> None:
    """A group became a supergroup: the link follows the chat to its new id."""
    if (message := update.effective_message) is None:
        return
    old, new = message.migrate_from_chat_id, message.chat.id
    if old is None and message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    if old is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        group = (await session.exec(select(Group).where(Group.chat_id == old))).first()
        if group is not None:
            group.chat_id = new
            session.add(group)
            log.info("group %s: linked chat moved from %s to %s", group.id, old, new)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    in_groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("link", link_command, filters=in_groups))
    app.add_handler(CommandHandler("unlink", unlink_command, filters=in_groups))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated_update))
