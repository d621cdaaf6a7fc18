"""Command menus: registered per language for everyone, per chat for coordinators and admins."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden

from domain.i18n import SUPPORTED_LANGUAGES, Lang, Translator
from handlers.commands import Level, commands_for
from handlers.common import Actor
from handlers.context import BotData
from storage import groups as group_repo
from storage import members as member_repo
from storage.models import Member

__all__ = [
    "Level",
    "clear_chat_menu",
    "level_of",
    "member_level",
    "refresh_admin_menus",
    "refresh_chat_menu",
    "register_default_menus",
]

log = logging.getLogger(__name__)


def bot_commands(lang: Lang, level: Level) -> list[BotCommand]:
    """The menu entries for ``level`` in ``lang``."""
    return [BotCommand(c.name, c.describe(lang)[:256]) for c in commands_for(level)]


async def level_of(session: AsyncSession, actor: Actor) -> Level:
    """Admin, coordinator of at least one group, or member."""
    return await member_level(session, member=actor.member, is_admin=actor.is_admin)


async def member_level(session: AsyncSession, *, member: Member | None, is_admin: bool) -> Level:
    """Admin, coordinator of at least one active group, or member."""
    if is_admin:
        return Level.ADMIN
    if (
        member is not None
        and member.id is not None
        and await group_repo.coordinated_group_ids(session, member_id=member.id)
    ):
        return Level.COORDINATOR
    return Level.MEMBER


async def register_default_menus(bot: Bot, translator: Translator) -> None:
    """Every private chat sees the member commands in its user's language."""
    scope = BotCommandScopeAllPrivateChats()
    default = translator.get(translator.default_language)
    await bot.set_my_commands(bot_commands(default, Level.MEMBER), scope=scope)
    for code in SUPPORTED_LANGUAGES:
        lang = translator.get(code)
        await bot.set_my_commands(
            bot_commands(lang, Level.MEMBER), scope=scope, language_code=code
        )


async def refresh_admin_menus(bot: Bot, bd: BotData) -> None:
    """At start: each organiser's menu, in their own language (or the default one)."""
    languages: dict[int, str | None] = {}
    async with bd.sessionmaker() as session:
        for admin in sorted(bd.admins):
            member = await member_repo.get_member_by_telegram_id(session, telegram_id=admin)
            languages[admin] = member.language if member is not None else None
    for admin, language in languages.items():
        await refresh_chat_menu(bot, admin, bd.translator.get(language), Level.ADMIN)


async def refresh_chat_menu(bot: Bot, chat_id: int, lang: Lang, level: Level) -> None:
    """Set a member's own menu: the commands of their level, in the language they chose (which
    may differ from their Telegram app's, which the default menus follow)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        await bot.set_my_commands(bot_commands(lang, level), scope=scope)
    except (BadRequest, Forbidden) as exc:
        # The person has not started the bot yet, or blocked it: the menu follows at /start.
        log.info("menu for chat %s not set: %s", chat_id, exc.message)


async def clear_chat_menu(bot: Bot, chat_id: int) -> None:
    """Back to the default menu in the Telegram app's language (after /forgetme)."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except (BadRequest, Forbidden) as exc:
        log.info("menu for chat %s not cleared: %s", chat_id, exc.message)
