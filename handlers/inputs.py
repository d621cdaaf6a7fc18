"""Private messages that are not commands: input for whatever the person is composing."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, MessageHandler, filters

from handlers.announcements import compose as announce
from handlers.common import load_actor
from handlers.context import Context
from handlers.meetings import commands as meetings
from handlers.meetings import dialogue as record_input
from handlers.polls import draft_text, manage_text
from storage import meetings as meeting_repo
from storage import polls as poll_repo
from storage import record as record_repo
from storage.models import PollStatus


async def input_message(update: Update, context: Context) -> None:
    """Route the text to the poll, meeting or announcement that waits for it."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    reply: str | None = None
    markup: InlineKeyboardMarkup | None = None
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        if actor.member is not None and actor.consented and actor.member.id is not None:
            member_id = actor.member.id
            pending = await record_repo.expected(session, member_id=member_id)
            poll = await poll_repo.awaiting_text(session, author_id=member_id)
            moving = await meeting_repo.being_moved_by(session, member_id=member_id)
            text = (message.text or "").strip()
            if pending is not None:
                reply, markup = await record_input.take(session, bd, actor, pending, message)
            elif poll is not None and poll.status == PollStatus.DRAFT:
                reply, markup = await draft_text.take_text(session, bd, actor, poll, message)
            elif poll is not None:
                reply = await manage_text.take_text(session, bd, actor, poll, text)
            elif moving is not None:
                reply = await meetings.take_text(session, bd, actor, moving, text)
    if reply is None:
        await announce.input_message(update, context)
        return
    bd.dispatcher.wake()
    await message.reply_text(reply, reply_markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add the handler for free text, photos and documents in private chats."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    content = filters.TEXT | filters.PHOTO | filters.Document.ALL
    app.add_handler(MessageHandler(private & content & ~filters.COMMAND, input_message))
