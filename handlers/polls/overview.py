"""The /polls command: the open polls of a coordinator's groups, each with its buttons."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers.callback_data import PollManage, PollManageStep
from handlers.callbacks import encode
from handlers.common import group_zone, load_actor
from handlers.context import BotData, Context
from handlers.polls import texts as ptexts
from handlers.polls.compose import managed_groups
from storage import groups as group_repo
from storage import polls as repo
from storage.models import Poll, PollStatus

ACTIVE = (PollStatus.OPEN, PollStatus.CHOOSING)


def manage_keyboard(lang: Lang, poll: Poll) -> InlineKeyboardMarkup:
    """The coordinator's buttons for an open poll."""
    assert poll.id is not None
    pid = poll.id

    def button(label: str, step: PollManageStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=encode(PollManage(step, pid)))

    return InlineKeyboardMarkup(
        [
            [
                button("🔒 " + lang._("Close now"), PollManageStep.CLOSE),
                button("⏳ " + lang._("Extend"), PollManageStep.EXTEND),
                button("⏰ " + lang._("Remind"), PollManageStep.REMIND),
            ],
            [
                button("➕ " + lang._("Add date"), PollManageStep.ADD),
                button("➖ " + lang._("Remove date"), PollManageStep.REMOVE),
                button("✖️ " + lang._("Cancel poll"), PollManageStep.CANCEL),
            ],
        ]
    )


async def poll_status_text(session: AsyncSession, bd: BotData, lang: Lang, poll: Poll) -> str:
    """One poll's progress for its coordinators."""
    assert poll.id is not None
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None and group.id is not None
    tz = group_zone(group, bd.timezone)
    options = await repo.list_options(session, poll_id=poll.id)
    counts = await repo.counts(session, poll=poll)
    answered = await repo.answered(session, poll=poll)
    total = await group_repo.count_members(session, group_id=group.id)
    text = ptexts.compact_tally(
        lang,
        group,
        options,
        counts,
        answered,
        total,
        tz,
        closed=poll.status != PollStatus.OPEN,
        group_chat=False,
    )
    if poll.status == PollStatus.OPEN and poll.deadline is not None:
        text += "\n" + lang._("Closes on {when}.", when=lang.when(poll.deadline, tz))
    elif poll.status == PollStatus.CHOOSING:
        text += "\n" + lang._("Waiting for a coordinator to choose the date.")
    return text


async def polls_command(update: Update, context: Context) -> None:
    """The open polls of the groups this person runs, with their buttons."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        groups = await managed_groups(session, actor)
        if not groups:
            raise GremiumError("Only coordinators and organisers can start date polls.")
        ids = {g.id for g in groups if g.id is not None}
        polls = await repo.list_polls(session, group_ids=ids, statuses=ACTIVE)
        views = [(await poll_status_text(session, bd, actor.lang, p), p) for p in polls]
    if not views:
        await message.reply_text(actor.lang._("There is no open date poll. /poll starts one."))
        return
    for text, poll in views:
        markup = manage_keyboard(actor.lang, poll) if poll.status == PollStatus.OPEN else None
        await message.reply_text(text, reply_markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("polls", polls_command, filters=private))
