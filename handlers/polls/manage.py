"""What coordinators do with open polls: /polls, close, extend, remind, add, remove, choose."""

from __future__ import annotations

import logging
from datetime import timedelta
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.candidates import parse_candidates
from domain.errors import GremiumError
from domain.i18n import Lang, lazy_plural
from handlers.callback_data import ChooseOption, PollManage, PollManageStep, RemoveOption
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.meetings import texts as mtexts
from handlers.meetings.flow import fix_meeting, replan
from handlers.notices import notify_members
from handlers.polls import texts as ptexts
from handlers.polls.compose import checked_deadline, managed_groups
from handlers.polls.flow import close_poll, remind, schedule_poll_tasks
from handlers.polls.view import load_view, poll_payload
from storage import groups as group_repo
from storage import polls as repo
from storage import tasks
from storage.models import DraftStep, Group, Poll, PollStatus, TaskKind

log = logging.getLogger(__name__)
MAX_OPTIONS = 12
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
    lang, member = actor.lang, actor.require_member()
    assert poll.id is not None
    if step == PollManageStep.CLOSE:
        meeting = await close_poll(session, bd, poll)
        if meeting is None:
            return lang._(
                "The poll is closed. Please choose the date in the message I sent."
            ), None
        tz = group_zone(group, bd.timezone)
        return lang._(
            "The poll is closed. The meeting is on {when}.",
            when=mtexts.meeting_when(lang, meeting, tz),
        ), None
    if step == PollManageStep.REMIND:
        count = await remind(session, bd, poll, f"manual{bd.clock.now():%Y%m%d%H%M%S}")
        return lang.ngettext("Reminded {n} member.", "Reminded {n} members.", count), None
    if step == PollManageStep.CANCEL:
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
                "✖️ "
                + lg._("The date poll of <b>{group}</b> was cancelled.", group=escape(group.name))
            ),
        )
        await replan(session, bd, group)
        return lang._("The poll was cancelled and the members were told."), None
    if step == PollManageStep.REMOVE:
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
        return lang._("Which date should I remove?"), InlineKeyboardMarkup(rows)
    poll.author_id = member.id  # the next text of this coordinator is read for the poll
    poll.step = DraftStep.EXTEND if step == PollManageStep.EXTEND else DraftStep.ADD_OPTION
    session.add(poll)
    if step == PollManageStep.EXTEND:
        return lang._(
            "Until when should the poll stay open? Write a date and time, "
            "for example 20.02.2027 18:00."
        ), None
    return lang._("Send the date to add, for example 12.03.2027 17:00."), None


async def take_text(
    session: AsyncSession, bd: BotData, actor: Actor, poll: Poll, text: str
) -> str:
    """A coordinator typed a new deadline or an extra date for an open poll."""
    assert poll.id is not None
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None
    tz, now, lang = group_zone(group, bd.timezone), bd.clock.now(), actor.lang
    if poll.step == DraftStep.EXTEND:
        poll.deadline = await checked_deadline(session, poll, text, tz=tz, now=now, lang=lang.code)
        poll.step = None
        session.add(poll)
        await tasks.cancel(session, kind=TaskKind.POLL_CLOSE, ref_id=poll.id)
        await tasks.cancel(session, kind=TaskKind.POLL_REMINDER, ref_id=poll.id)
        await schedule_poll_tasks(session, bd, poll, group)
        return lang._("The poll now closes on {when}.", when=lang.when(poll.deadline, tz))
    options = await repo.list_options(session, poll_id=poll.id)
    added = parse_candidates(text, tz=tz, now=now, lang=lang.code)
    taken = {o.starts_at for o in options}
    if any(c.begins in taken for c in added):
        raise GremiumError("That date is already in the poll.")
    if len(options) + len(added) > MAX_OPTIONS:
        raise GremiumError(
            lazy_plural(
                "A poll can have at most {n} date.",
                "A poll can have at most {n} dates.",
                MAX_OPTIONS,
            )
        )
    if poll.deadline is not None and any(c.begins <= poll.deadline for c in added):
        raise GremiumError(
            "The poll must close before the first date. Choose an earlier deadline."
        )
    length = timedelta(minutes=poll.duration_minutes)
    new_ids = []
    for c in added:
        row = await repo.add_option(
            session,
            poll_id=poll.id,
            option=repo.NewOption(
                starts_at=c.begins,
                ends_at=None if c.all_day else (c.end or c.begins + length),
                all_day=c.all_day,
            ),
        )
        new_ids.append(row.id)
    poll.step = None
    session.add(poll)
    await session.flush()
    view = await load_view(session, poll, group)
    await notify_members(
        session,
        bd,
        group,
        key=f"pa{poll.id}.{new_ids[0]}",
        payload_for=lambda m: poll_payload(session, bd, poll, group, m, view=view),
    )
    return lang.ngettext(
        "Added {n} date; the members got the updated poll.",
        "Added {n} dates; the members got the updated poll.",
        len(added),
    )


async def remove_option_button(update: Update, context: Context) -> None:
    """Remove a date from an open poll; tell those who had said yes or maybe to it."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), RemoveOption):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        option = await repo.get_option(session, option_id=data.option_id)
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
        voters = {m.id for m in await repo.voters_of_option(session, option_id=data.option_id)}
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
        reply = actor.lang._("Removed {when}.", when=ptexts.option_when(actor.lang, option, tz))
    await query.answer()
    await query.edit_message_text(reply)
    bd.dispatcher.wake()


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


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("polls", polls_command, filters=private))
