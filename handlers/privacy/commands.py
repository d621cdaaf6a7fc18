"""Data protection and languages: /privacy, /mydata, /forgetme, /language, and retention."""

from __future__ import annotations

import json
import logging
from html import escape

from telegram import CallbackQuery, InputFile, Update, User
from telegram.ext import Application, CommandHandler, filters

from domain.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, normalize_language
from domain.retention import months_before
from handlers import keyboards, menus, texts
from handlers.callback_data import ChooseLanguage, ConfirmForget
from handlers.callbacks import decode, microseconds
from handlers.common import load_actor
from handlers.context import BotData, Context
from handlers.privacy import texts as ptexts
from storage import members as member_repo
from storage import privacy as privacy_repo

log = logging.getLogger(__name__)


async def privacy_command(update: Update, context: Context) -> None:
    """The full privacy notice."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
    text = ptexts.privacy(
        actor.lang,
        organisation=bd.organisation_name,
        contact=bd.organisation_contact,
        inactive_months=bd.inactive_member_months,
        vote_months=bd.vote_retention_months,
    )
    await message.reply_text(text)


async def mydata_command(update: Update, context: Context) -> None:
    """Send the member a JSON file with everything stored about them."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        if actor.member is None:
            data = None
        else:
            data = {
                "exported_at": bd.clock.now().astimezone(bd.timezone).isoformat(),
                "organisation": bd.organisation_name,
                **await privacy_repo.export_member(session, member=actor.member, tz=bd.timezone),
            }
    if data is None:
        await message.reply_text(ptexts.nothing_stored(actor.lang))
        return
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    name = f"gremium-{bd.clock.now():%Y-%m-%d}.json"
    await message.reply_document(
        InputFile(content, filename=name), caption=ptexts.mydata_caption(actor.lang)
    )
    log.info("member %s downloaded their data", user.id)


async def forgetme_command(update: Update, context: Context) -> None:
    """Ask before deleting everything stored about the member."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
    if actor.member is None:
        await message.reply_text(ptexts.nothing_stored(actor.lang))
        return
    markup = keyboards.confirm_forget(actor.lang, actor.member)
    await message.reply_text(ptexts.forget_question(actor.lang), reply_markup=markup)


async def forget_button(update: Update, context: Context) -> None:
    """Delete the member after they confirmed, if the button is theirs and still current."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ConfirmForget):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        member = actor.member
        current = (
            member is not None
            and member.id == data.member_id
            and microseconds(member.created_at) == data.created
        )
        if member is not None and current:
            await privacy_repo.forget_member(
                session,
                member=member,
                now=bd.clock.now(),
                replacement=escape(bd.organisation_name),
            )
    if member is None:
        await query.answer(ptexts.already_forgotten(actor.lang), show_alert=True)
    elif not current:
        await query.answer(ptexts.stale_forget(actor.lang), show_alert=True)
    else:
        log.info("member %s deleted their data", query.from_user.id)
        await query.answer()
        await query.edit_message_text(ptexts.forgotten(actor.lang))
        await menus.clear_chat_menu(context.bot, query.from_user.id)


def language_code(text: str) -> str | None:
    """The language meant by a code ("tr", "de-AT") or a name in that language ("Türkçe")."""
    if (code := normalize_language(text, "")) in SUPPORTED_LANGUAGES:
        return code
    names = {name.casefold(): code for code, name in LANGUAGE_NAMES.items()}
    return names.get(text.casefold())


async def language_command(update: Update, context: Context) -> None:
    """Switch language: /language tr, or buttons with each language's own name."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
    wanted = (context.args or [""])[0].strip()
    if not wanted:
        text = ptexts.choose_language(actor.lang)
    elif (code := language_code(wanted)) is not None:
        await _switch(context, user, code)
        return
    else:
        text = ptexts.unknown_language(actor.lang, wanted)
    await message.reply_text(text, reply_markup=keyboards.languages(actor.lang.code))


async def language_button(update: Update, context: Context) -> None:
    """Switch to the pressed language."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ChooseLanguage):
        return
    await query.answer()
    await _switch(context, query.from_user, data.code, query=query)


async def _switch(
    context: Context, user: User, code: str, *, query: CallbackQuery | None = None
) -> None:
    """Store a member's language and confirm in it (editing the pressed question); before
    consent nothing is stored: the greeting comes again in that language."""
    bd = context.bot_data
    lang = bd.translator.get(code)
    async with bd.sessionmaker.begin() as session:
        member = await member_repo.set_language(session, telegram_id=user.id, language=lang.code)
        consented = member is not None and member.consent_version >= bd.privacy_version
        level = await menus.member_level(session, member=member, is_admin=user.id in bd.admins)
    if query is not None:
        await query.edit_message_text(ptexts.language_set(lang))
    else:
        await context.bot.send_message(user.id, ptexts.language_set(lang))
    if consented:
        await menus.refresh_chat_menu(context.bot, user.id, lang, level)
        return
    text = texts.greeting(lang, bd, first_name=user.first_name, again=member)
    markup = keyboards.consent(lang, None, chosen=True)
    await context.bot.send_message(user.id, text, reply_markup=markup)


async def retention_sweep(bd: BotData) -> None:
    """Delete members inactive for too long and the votes of long-closed polls."""
    now = bd.clock.now()
    async with bd.sessionmaker.begin() as session:
        gone = await privacy_repo.inactive_members(
            session, cutoff=months_before(now, bd.inactive_member_months), keep=bd.admins
        )
        for member in gone:
            await privacy_repo.forget_member(
                session, member=member, now=now, replacement=escape(bd.organisation_name)
            )
        votes = await privacy_repo.drop_old_votes(
            session, cutoff=months_before(now, bd.vote_retention_months)
        )
    if gone:
        log.info("retention: deleted members %s", ", ".join(str(m.telegram_id) for m in gone))
    if votes:
        log.info("retention: deleted %d votes of closed polls", votes)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("privacy", privacy_command, filters=private))
    app.add_handler(CommandHandler("mydata", mydata_command, filters=private))
    app.add_handler(CommandHandler("forgetme", forgetme_command, filters=private))
    app.add_handler(CommandHandler("language", language_command, filters=private))
