"""/remind: remind the members who have not answered a group's open poll."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers.callback_data import PollManage, PollManageStep
from handlers.callbacks import encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager, resolve_group
from handlers.context import BotData, Context
from handlers.polls.compose import managed_groups
from handlers.polls.flow import remind
from storage import groups as group_repo
from storage import polls as repo
from storage.models import Poll, PollStatus


async def remind_command(update: Update, context: Context) -> None:
    """Remind the members who have not answered: /remind [group]."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        polls = await _open_polls(session, actor, context.args or [])
        choice = await _remind_choice(session, bd, actor.lang, polls) if len(polls) > 1 else None
        if choice is None:
            count = await remind(session, bd, polls[0], f"manual{bd.clock.now():%Y%m%d%H%M%S}")
    if choice is not None:
        question = actor.lang._("Several polls are open. Which one shall I remind about?")
        await message.reply_text(question, reply_markup=choice)
        return
    bd.dispatcher.wake()
    await message.reply_text(
        actor.lang.ngettext("Reminded {n} member.", "Reminded {n} members.", count)
    )


async def _open_polls(session: AsyncSession, actor: Actor, args: list[str]) -> list[Poll]:
    """The open polls of the groups the actor manages (or of the one group named)."""
    groups = await managed_groups(session, actor)
    if args:
        wanted = await resolve_group(session, " ".join(args))
        await require_group_manager(session, actor, wanted)
        groups = [wanted]
    if not groups:
        raise GremiumError("Only coordinators and organisers can start date polls.")
    ids = {g.id for g in groups if g.id is not None}
    polls = await repo.list_polls(session, group_ids=ids, statuses=(PollStatus.OPEN,))
    if not polls:
        raise GremiumError("There is no open date poll. /poll starts one.")
    return polls


async def _remind_choice(
    session: AsyncSession, bd: BotData, lang: Lang, polls: list[Poll]
) -> InlineKeyboardMarkup:
    """A Remind button per open poll, named by its group and when it closes."""
    rows = []
    for poll in polls:
        assert poll.id is not None
        group = await group_repo.get_group(session, group_id=poll.group_id)
        assert group is not None
        label = group.name
        if poll.deadline is not None:
            when = lang.short_when(poll.deadline, group_zone(group, bd.timezone))
            label = lang._("{group}, closes {when}", group=group.name, when=when)
        action = encode(PollManage(PollManageStep.REMIND, poll.id))
        rows.append([InlineKeyboardButton("⏰ " + label, callback_data=action)])
    return InlineKeyboardMarkup(rows)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers (the choice's buttons are the poll managers')."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("remind", remind_command, filters=private))
