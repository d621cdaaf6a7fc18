"""First contact: /start with consent (and deep links), /help, and blocked/unblocked bots."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import ChatMemberUpdated, Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    filters,
)

from domain.i18n import Lang
from handlers import keyboards, menus, texts
from handlers.callback_data import Consent
from handlers.callbacks import decode
from handlers.commands import commands_for
from handlers.common import Actor, load_actor
from handlers.context import BotData, Context
from handlers.membership.groups import groups_view, join_group_text
from storage import members as member_repo

log = logging.getLogger(__name__)
DEEP_LINK_PREFIX = "join-"


def deep_link_slug(args: list[str] | None) -> str | None:
    """The group slug of a ``join-<slug>`` start payload."""
    if args and args[0].startswith(DEEP_LINK_PREFIX):
        return args[0][len(DEEP_LINK_PREFIX) :].lower()[:40] or None
    return None


async def start_command(update: Update, context: Context) -> None:
    """Greet; ask for consent first, or welcome back and follow a join link."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd, slug = context.bot_data, deep_link_slug(context.args)
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        if actor.consented and actor.member is not None:
            await member_repo.set_reachable(
                session, telegram_id=user.id, reachable=True, now=bd.clock.now()
            )
            text = texts.welcome_back(actor.lang, first_name=user.first_name)
            if slug is not None:
                text = await join_group_text(session, bd, actor, slug)
            markup = None
        else:
            text = texts.greeting(actor.lang, bd, first_name=user.first_name, again=actor.member)
            markup = keyboards.consent(actor.lang, slug)
    await message.reply_text(text, reply_markup=markup)


async def consent_button(update: Update, context: Context) -> None:
    """Store the consent; join the deep-linked group; show the groups."""
    query = update.callback_query
    if query is None or (data := decode(query.data)) is None or not isinstance(data, Consent):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        already = actor.consented
        actor = await _record_consent(session, bd, actor, query.from_user, data.language)
        parts = [texts.consent_given(actor.lang)] if not already else []
        if data.slug is not None:
            parts.append(await join_group_text(session, bd, actor, data.slug))
        listing, markup = await groups_view(session, actor)
        level = await menus.level_of(session, actor)
    await query.answer()
    if query.message is not None and not already:
        await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(
        query.from_user.id, "\n\n".join([*parts, listing]), reply_markup=markup
    )
    await menus.refresh_chat_menu(context.bot, query.from_user.id, actor.lang, level)


async def _record_consent(
    session: AsyncSession, bd: BotData, actor: Actor, user: User, language: str | None
) -> Actor:
    """Store the consent (in the chosen language); return the person as a consented member."""
    member = await member_repo.record_consent(
        session,
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language=language or actor.lang.code,
        version=bd.privacy_version,
        now=bd.clock.now(),
    )
    lang = bd.translator.get(member.language)
    return Actor(user, member, lang, actor.is_admin, True)


def help_text(lang: Lang, actor: Actor, level: menus.Level) -> str:
    """/help: the commands this person may use."""
    lines = [lang._("<b>What I can do</b>"), ""]
    lines += [f"{lang.typed('/' + c.name)} — {c.describe(lang)}" for c in commands_for(level)]
    return lang.lines(lines)


async def help_command(update: Update, context: Context) -> None:
    """List the commands this user may use."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        level = await menus.level_of(session, actor)
    await message.reply_text(help_text(actor.lang, actor, level))


async def bot_blocked_update(update: Update, context: Context) -> None:
    """Mark a member unreachable when they block the bot, reachable when they come back."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    reachable = change.new_chat_member.status not in (
        ChatMemberStatus.BANNED,
        ChatMemberStatus.LEFT,
    )
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        member = await member_repo.set_reachable(
            session, telegram_id=change.from_user.id, reachable=reachable, now=bd.clock.now()
        )
    if member is not None:
        log.info("member %s reachable=%s", change.from_user.id, reachable)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("start", start_command, filters=private))
    app.add_handler(CommandHandler("help", help_command, filters=filters.UpdateType.MESSAGE))
    app.add_handler(ChatMemberHandler(bot_blocked_update, ChatMemberHandler.MY_CHAT_MEMBER))
