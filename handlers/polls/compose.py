"""Creating a date poll: /poll, choosing the group, the preview and the draft's buttons, Send."""

from __future__ import annotations

import logging
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.delivery import quiet_hours_release
from domain.errors import GremiumError
from domain.i18n import N_, Lang
from handlers.callback_data import PollDraftAction, PollStep, PollTarget
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.polls import texts as ptexts
from handlers.polls.flow import open_poll
from storage import groups as group_repo
from storage import polls as repo
from storage import rhythms as rhythm_repo
from storage.inputs import clear_pending_inputs
from storage.models import DraftStep, Group, Poll, PollStatus

log = logging.getLogger(__name__)


async def managed_groups(session: AsyncSession, actor: Actor) -> list[Group]:
    """Active groups this person may run polls and meetings for."""
    summaries = await group_repo.list_active_groups(session)
    if actor.is_admin:
        return [s.group for s in summaries]
    member = actor.require_member()
    assert member.id is not None
    ids = await group_repo.coordinated_group_ids(session, member_id=member.id)
    return [s.group for s in summaries if s.group.id in ids]


async def poll_command(update: Update, context: Context) -> None:
    """Ask which group the date poll is for."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        groups = await managed_groups(session, actor)
    if not groups:
        raise GremiumError("Only coordinators and organisers can start date polls.")
    rows = [
        [InlineKeyboardButton(g.name, callback_data=encode(PollTarget(g.id or 0)))] for g in groups
    ]
    await message.reply_text(
        actor.lang._("Which group is the date poll for?"), reply_markup=InlineKeyboardMarkup(rows)
    )


def ask_for_dates(lang: Lang, group: Group, poll: Poll) -> tuple[str, InlineKeyboardMarkup]:
    """The request for candidate dates, with the Suggest button."""
    assert poll.id is not None
    text = lang._(
        "Send me the candidate dates for {group}, one per line, for example:\n"
        "12.03.2027 17:00\n12.03. 17:00-19:00\n2027-03-12 17:00\n"
        "or a date alone for a whole day. At most 12 dates.",
        group=escape(group.name),
    )
    button = InlineKeyboardButton(
        "💡 " + lang._("Suggest dates"),
        callback_data=encode(PollDraftAction(PollStep.SUGGEST, poll.id)),
    )
    return text, InlineKeyboardMarkup([[button]])


async def target_button(update: Update, context: Context) -> None:
    """The group was chosen: open a draft and ask for dates."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), PollTarget):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        group = await group_repo.get_group(session, group_id=data.group_id)
        if group is None or group.archived_at is not None:
            raise GremiumError(
                "This group does not exist any more. /groups shows the current ones."
            )
        await require_group_manager(session, actor, group)
        member = actor.require_member()
        assert member.id is not None and group.id is not None
        await clear_pending_inputs(session, member_id=member.id)
        poll = await repo.create_draft(
            session, group_id=group.id, author_id=member.id, now=bd.clock.now()
        )
        if (rhythm := await rhythm_repo.get_rhythm(session, group_id=group.id)) is not None:
            # The group's configured place and length are the poll's defaults.
            poll.location, poll.duration_minutes = rhythm.location, rhythm.duration_minutes
            session.add(poll)
    text, markup = ask_for_dates(actor.lang, group, poll)
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


def preview_keyboard(lang: Lang, poll: Poll, members: int) -> InlineKeyboardMarkup:
    """Send, the optional details, Cancel."""
    assert poll.id is not None
    pid = poll.id

    def button(label: str, step: PollStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=encode(PollDraftAction(step, pid)))

    send = lang.ngettext("Send to {n} member", "Send to {n} members", members)
    dates = [button("✏️ " + lang._("Change dates"), PollStep.DATES)] if poll.planned else []
    return InlineKeyboardMarkup(
        [
            [button("✅ " + send, PollStep.SEND), *dates],
            [
                button("⏳ " + lang._("Deadline"), PollStep.DEADLINE),
                button("📍 " + lang._("Place"), PollStep.LOCATION),
                button("📝 " + lang._("Note"), PollStep.NOTE),
            ],
            [button("✖️ " + lang._("Cancel"), PollStep.CANCEL)],
        ]
    )


async def preview(
    session: AsyncSession, bd: BotData, lang: Lang, poll: Poll
) -> tuple[str, InlineKeyboardMarkup]:
    """The poll as members will see it, with the author's buttons."""
    assert poll.id is not None
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None and group.id is not None
    options = await repo.list_options(session, poll_id=poll.id)
    members = await group_repo.count_members(session, group_id=group.id)
    tz = group_zone(group, bd.timezone)
    text = ptexts.poll_message(lang, poll, group, options, {}, 0, members, tz)
    head = lang._("Preview: this is what the members will get.")
    return f"<i>{head}</i>\n\n{text}", preview_keyboard(lang, poll, members)


PROMPTS = {
    PollStep.DEADLINE: (
        DraftStep.DEADLINE,
        N_(
            "When should the poll close? Write a date such as 20.02.2027 18:00, or a duration "
            "such as 7 days."
        ),
    ),
    PollStep.DATES: (
        DraftStep.OPTIONS,
        N_(
            "Send me the dates you want instead, one per line, for example 12.03.2027 17:00. "
            "At most 12 dates."
        ),
    ),
    PollStep.LOCATION: (DraftStep.LOCATION, N_("Where will the meeting be? Send - for no place.")),
    PollStep.NOTE: (DraftStep.NOTE, N_("Send a short note for the members, or - for none.")),
    PollStep.SUGGEST: (
        DraftStep.SUGGEST,
        N_(
            "In which period should I look? Write for example 01.03.2027 - 31.03.2027, or "
            "6 weeks. I skip public and school holidays and days on which members have other "
            "meetings."
        ),
    ),
}


async def draft_button(update: Update, context: Context) -> None:
    """Send, Cancel, or ask for a detail of a poll being composed."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), PollDraftAction):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        poll = await repo.get_poll(session, poll_id=data.poll_id)
        if poll is None or poll.status != PollStatus.DRAFT:
            raise GremiumError("This poll was already sent or cancelled.")
        member = actor.require_member()
        group = await group_repo.get_group(session, group_id=poll.group_id)
        assert group is not None
        if poll.planned:  # any coordinator of the group may review a planned poll
            await require_group_manager(session, actor, group)
            await clear_pending_inputs(session, member_id=member.id or 0)
            poll.author_id = member.id
        elif poll.author_id != member.id:
            raise GremiumError("This is someone else's poll.")
        await require_group_manager(session, actor, group)
        reply = await _draft_step(session, bd, actor, poll, data.step)
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    if reply:
        await context.bot.send_message(query.from_user.id, reply)
    if data.step == PollStep.SEND:
        bd.dispatcher.wake()


async def _draft_step(
    session: AsyncSession, bd: BotData, actor: Actor, poll: Poll, step: PollStep
) -> str:
    lang = actor.lang
    if step == PollStep.CANCEL:
        poll.status, poll.step = PollStatus.CANCELLED, None
        session.add(poll)
        return lang._("The poll was cancelled. Nothing was sent.")
    if step == PollStep.SEND:
        count = await open_poll(session, bd, poll)
        group = await group_repo.get_group(session, group_id=poll.group_id)
        tz = group_zone(group, bd.timezone)
        now = bd.clock.now()
        release = quiet_hours_release(now, tz, *bd.quiet_hours)
        if release > now:  # the invitations wait for the morning: nobody has it yet
            return lang.ngettext(
                "The poll is open. Because of the quiet hours, {n} member gets it at {time}. "
                "/polls shows its progress.",
                "The poll is open. Because of the quiet hours, {n} members get it at {time}. "
                "/polls shows its progress.",
                count,
                time=lang.clock(release.astimezone(tz).time()),
            )
        return lang.ngettext(
            "The poll is open: {n} member received it. /polls shows its progress.",
            "The poll is open: {n} members received it. /polls shows its progress.",
            count,
        )
    next_step, prompt = PROMPTS[step]
    poll.step = next_step
    session.add(poll)
    return lang._(prompt)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("poll", poll_command, filters=private))
