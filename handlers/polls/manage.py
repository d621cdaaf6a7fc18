"""The buttons on an open poll: close, extend, remind, add, remove, cancel; choosing the date."""

from __future__ import annotations

import logging
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers.callback_data import ChooseOption, PollManage, PollManageStep, RemoveOption
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings import texts as mtexts
from handlers.meetings.flow import fix_meeting, replan
from handlers.notices import notify_members
from handlers.polls import texts as ptexts
from handlers.polls.flow import close_poll, remind
from storage import groups as group_repo
from storage import polls as repo
from storage import tasks
from storage.models import DraftStep, Group, Poll, PollStatus, TaskKind

log = logging.getLogger(__name__)


async def _managed_poll(session: AsyncSession, actor: Actor, poll_id: int) -> tuple[Poll, Group]:
    poll = await repo.get_poll(session, poll_id=poll_id)
    if poll is None:
        raise GremiumError("This button is no longer valid. Please use the newest message.")
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None
    await require_group_manager(session, actor, group)
    return poll, group


async def manage_button(update: Update, context: Context) -> None:
    """Close, extend, remind, add, remove or cancel an open poll."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), PollManage):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        poll, group = await _managed_poll(session, actor, data.poll_id)
        if poll.status != PollStatus.OPEN:
            raise GremiumError("This poll is not open any more.")
        reply, markup = await _manage(session, bd, actor, poll, group, data.step)
    await query.answer()
    bd.dispatcher.wake()
    await context.bot.send_message(query.from_user.id, reply, reply_markup=markup)


async def _manage(
    session: AsyncSession,
    bd: BotData,
    actor: Actor,
    poll: Poll,
    group: Group,
    step: PollManageStep,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Carry out one of the manager's buttons; return the reply and its buttons."""
    lang, member = actor.lang, actor.require_member()
    assert poll.id is not None
    if step == PollManageStep.CLOSE:
        return await _close(session, bd, lang, poll, group), None
    if step == PollManageStep.REMIND:
        count = await remind(session, bd, poll, f"manual{bd.clock.now():%Y%m%d%H%M%S}")
        return lang.ngettext("Reminded {n} member.", "Reminded {n} members.", count), None
    if step == PollManageStep.CANCEL:
        await _cancel(session, bd, poll, group)
        return lang._("The poll was cancelled and the members were told."), None
    if step == PollManageStep.REMOVE:
        return lang._("Which date should I remove?"), await _removal_keyboard(
            session, bd, lang, poll, group
        )
    poll.author_id = member.id  # the next text of this coordinator is read for the poll
    poll.step = DraftStep.EXTEND if step == PollManageStep.EXTEND else DraftStep.ADD_OPTION
    session.add(poll)
    if step == PollManageStep.EXTEND:
        return lang._(
            "Until when should the poll stay open? Write a date and time, "
            "for example 20.02.2027 18:00."
        ), None
    return lang._("Send the date to add, for example 12.03.2027 17:00."), None


async def _close(session: AsyncSession, bd: BotData, lang: Lang, poll: Poll, group: Group) -> str:
    """Close the poll now; say when the meeting is, or that a date must be chosen."""
    meeting = await close_poll(session, bd, poll)
    if meeting is None:
        return lang._("The poll is closed. Please choose the date in the message I sent.")
    tz = group_zone(group, bd.timezone)
    return lang._(
        "The poll is closed. The meeting is on {when}.",
        when=mtexts.meeting_when(lang, meeting, tz),
    )


async def _cancel(session: AsyncSession, bd: BotData, poll: Poll, group: Group) -> None:
    """Cancel the open poll, drop its tasks, tell the members and plan anew."""
    assert poll.id is not None
    poll.status, poll.closed_at = PollStatus.CANCELLED, bd.clock.now()
    session.add(poll)
    bd.refresher.mark(poll.id)
    await tasks.cancel(session, kind=TaskKind.POLL_CLOSE, ref_id=poll.id)
    await tasks.cancel(session, kind=TaskKind.POLL_REMINDER, ref_id=poll.id)
    await notify_members(
        session,
        bd,
        group,
        key=f"px{poll.id}",
        text=lambda lg: (
            "✖️ " + lg._("The date poll of <b>{group}</b> was cancelled.", group=escape(group.name))
        ),
    )
    await replan(session, bd, group)


async def _removal_keyboard(
    session: AsyncSession, bd: BotData, lang: Lang, poll: Poll, group: Group
) -> InlineKeyboardMarkup:
    """One button per date of the poll, to remove it."""
    assert poll.id is not None
    options = await repo.list_options(session, poll_id=poll.id)
    tz = group_zone(group, bd.timezone)
    rows = [
        [
            InlineKeyboardButton(
                "➖ " + ptexts.option_short(lang, o, tz),
                callback_data=encode(RemoveOption(o.id or 0)),
            )
        ]
        for o in options
    ]
    return InlineKeyboardMarkup(rows)


async def remove_option_button(update: Update, context: Context) -> None:
    """Remove a date from an open poll; tell those who had said yes or maybe to it."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), RemoveOption):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        reply = await _remove_option(session, bd, actor, data.option_id)
    await query.answer()
    await query.edit_message_text(reply)
    bd.dispatcher.wake()


async def _remove_option(session: AsyncSession, bd: BotData, actor: Actor, option_id: int) -> str:
    """Mark the date removed and tell its yes and maybe voters; return the reply."""
    option = await repo.get_option(session, option_id=option_id)
    if option is None:
        raise GremiumError("This button is no longer valid. Please use the newest message.")
    poll, group = await _managed_poll(session, actor, option.poll_id)
    if poll.status != PollStatus.OPEN or option.removed:
        raise GremiumError("This poll is not open any more.")
    if len(await repo.list_options(session, poll_id=poll.id or 0)) <= 1:
        raise GremiumError("A poll needs at least one date. Cancel the poll instead.")
    option.removed = True
    session.add(option)
    bd.refresher.mark(option.poll_id)
    tz = group_zone(group, bd.timezone)
    voters = {m.id for m in await repo.voters_of_option(session, option_id=option_id)}
    await notify_members(
        session,
        bd,
        group,
        key=f"po{option.id}",
        only=voters,
        text=lambda lg: (
            "➖ "
            + lg._(
                "The date {when} was removed from the poll of <b>{group}</b>. Your other "
                "answers stay.",
                when=ptexts.option_when(lg, option, tz),
                group=escape(group.name),
            )
        ),
    )
    return actor.lang._("Removed {when}.", when=ptexts.option_when(actor.lang, option, tz))


async def choose_button(update: Update, context: Context) -> None:
    """The coordinator picks the date of a poll that could not decide by itself."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ChooseOption):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        option = await repo.get_option(session, option_id=data.option_id)
        if option is None:
            raise GremiumError("This button is no longer valid. Please use the newest message.")
        poll, group = await _managed_poll(session, actor, option.poll_id)
        if poll.status != PollStatus.CHOOSING:
            raise GremiumError("The date of this poll is already fixed.")
        meeting = await fix_meeting(session, bd, poll, group, option)
        tz = group_zone(group, bd.timezone)
        reply = actor.lang._(
            "Fixed: {when}. Everyone gets the meeting with a calendar file.",
            when=mtexts.meeting_when(actor.lang, meeting, tz),
        )
    await query.answer()
    await query.edit_message_text(reply)
    bd.dispatcher.wake()
