"""The one error handler, and the replies for what no other handler took."""

from __future__ import annotations

import contextlib
import logging
from html import escape

from telegram import Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers import texts
from handlers.context import BotData, Context
from runtime.health import describe_error
from storage import members as member_repo

log = logging.getLogger(__name__)


async def _lang_of(update: Update, context: Context) -> Lang:
    """The language of whoever sent the update (a short read-only transaction)."""
    return await _language(context.bot_data, update.effective_user)


async def _language(bd: BotData, user: User | None) -> Lang:
    if user is None:
        return bd.translator.get(None)
    async with bd.sessionmaker() as session:
        member = await member_repo.get_member_by_telegram_id(session, telegram_id=user.id)
    return bd.translator.get(member.language if member else user.language_code)


async def _tell(update: Update, text: str) -> None:
    """Answer a button press with an alert, or a message with a reply."""
    if (query := update.callback_query) is not None:
        await query.answer(texts.plain(text)[:200], show_alert=True)
    elif (message := update.effective_message) is not None and update.effective_chat is not None:
        await message.reply_text(text)


#: Why an edit fails when there is nothing to do.
_NOTHING_TO_EDIT = ("not modified", "message to edit not found", "message can't be edited")


def _nothing_to_edit(description: str) -> bool:
    lowered = description.lower()
    return any(reason in lowered for reason in _NOTHING_TO_EDIT)


async def error_handler(update: object, context: Context) -> None:
    """Refusals become polite replies; anything unexpected is logged first, then apologised for."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        context.bot_data.runtime.record_error(context.bot_data.clock.now(), describe_error(error))
        return
    if isinstance(error, GremiumError):
        try:
            await _tell(update, texts.error(await _lang_of(update, context), error))
        except BadRequest as exc:  # the press was answered already
            log.info("update %s: refusal not shown: %s", update.update_id, exc.message)
        return
    if isinstance(error, Forbidden):
        log.info("update %s: user blocked the bot", update.update_id)
        return
    if isinstance(error, BadRequest) and _nothing_to_edit(error.message):
        # The message shows this already, or is gone (an old or forged press): nothing to fix.
        if update.callback_query is not None:
            with contextlib.suppress(BadRequest):  # the handler may have answered already
                await update.callback_query.answer()
        return
    log.error("update %s failed", update.update_id, exc_info=error)
    context.bot_data.runtime.record_error(context.bot_data.clock.now(), describe_error(error))
    if isinstance(error, NetworkError):
        return
    lang = await _lang_of(update, context)
    try:
        await _tell(update, lang._("Sorry, something went wrong on my side. Please try again."))
    except (BadRequest, Forbidden, NetworkError):
        log.warning("could not apologise for update %s", update.update_id)


async def unknown_command(update: Update, context: Context) -> None:
    """A command no handler knows."""
    if (message := update.effective_message) is None or message.text is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        return
    command, _, addressee = message.text.split(maxsplit=1)[0].partition("@")
    lang = await _lang_of(update, context)
    if addressee and addressee.casefold() != (context.bot.username or "").casefold():
        # Not a command of ours that we lack: it is for another bot (in a group chat, where
        # other bots listen, it is not answered at all).
        text = lang._(
            "{command} is addressed to another bot (@{bot}), not to me. /help lists what I can "
            "do.",
            command=escape(command[: texts.MAX_ECHO]),
            bot=escape(addressee[: texts.MAX_ECHO]),
        )
    else:
        text = lang._(
            "I do not know the command {command}. /help lists what I can do.",
            command=escape(command[: texts.MAX_ECHO]),
        )
    await message.reply_text(text)


async def slow_down(bd: BotData, update: Update) -> None:
    """The answer to someone whose updates come faster than they can be handled (the rest of
    the flood is dropped unanswered; a button press gets it as a short notice)."""
    lang = await _language(bd, update.effective_user)
    text = lang._(
        "You are sending messages faster than I can answer. I skipped the last ones; "
        "please wait a moment and send again."
    )
    try:
        if (query := update.callback_query) is not None:
            await query.answer(text[:200])
        elif (message := update.effective_message) is not None:
            await message.reply_text(text)
    except (BadRequest, Forbidden, NetworkError) as exc:
        log.info("update %s: slow-down not shown: %s", update.update_id, exc)


async def empty_button(update: Update, context: Context) -> None:
    """A button press without data (forged): the same answer, and no other handler runs."""
    await unknown_button(update, context)
    raise ApplicationHandlerStop


def _asked_only_about_data(data: object) -> bool:
    """A pattern python-telegram-bot consults only for presses that carry data, so the handler
    gets exactly the presses without data (which would otherwise match the first handler with
    any pattern, and be dropped there unanswered)."""
    return False


async def unknown_button(update: Update, context: Context) -> None:
    """A button whose data no handler knows: stale, from an old version, or forged."""
    if (query := update.callback_query) is None:
        return
    lang = await _lang_of(update, context)
    await query.answer(
        lang._("This button is no longer valid. Please use the newest message."), show_alert=True
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add the catch-all handlers (last) and the error handler."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(filters.COMMAND & private, unknown_command))
    app.add_handler(CallbackQueryHandler(unknown_button))
    app.add_handler(CallbackQueryHandler(empty_button, pattern=_asked_only_about_data), group=-1)
    app.add_error_handler(error_handler)
