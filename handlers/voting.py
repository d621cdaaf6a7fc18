"""Voting on date polls: the Yes / Maybe / No buttons and the tallies they redraw."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers import poll_texts as ptexts
from handlers.callbacks import VoteAction, decode, matches
from handlers.common import group_zone, load_actor
from handlers.context import BotData, Context
from handlers.poll_flow import compact_tally_text, poll_payload
from handlers.sending import markup_from
from storage import groups as group_repo
from storage import members as member_repo
from storage import outbox
from storage import polls as repo
from storage.models import Group, Poll, PollStatus

log = logging.getLogger(__name__)


def closed_text(lang: Lang, poll: Poll, group: Group, bd: BotData) -> str:
    """Why a vote is not taken any more."""
    tz = group_zone(group, bd.timezone)
    if poll.status == PollStatus.CANCELLED:
        return lang._("This poll was cancelled.")
    when = lang.when(poll.closed_at or poll.deadline or bd.clock.now(), tz)
    return lang._("This poll closed on {when}.", when=when)


async def vote_button(update: Update, context: Context) -> None:
    """Record a Yes / Maybe / No and redraw the voter's poll message."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), VoteAction):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        member = actor.require_member()
        option = await repo.get_option(session, option_id=data.option_id)
        poll = await repo.get_poll(session, poll_id=option.poll_id) if option else None
        if option is None or poll is None or poll.status == PollStatus.DRAFT:
            raise GremiumError("This button is no longer valid. Please use the newest message.")
        group = await group_repo.get_group(session, group_id=poll.group_id)
        assert group is not None and member.id is not None and poll.id is not None
        if poll.status != PollStatus.OPEN or (poll.deadline and poll.deadline <= bd.clock.now()):
            raise GremiumError(closed_text(actor.lang, poll, group, bd))
        if option.removed:
            raise GremiumError("This date was removed from the poll.")
        if not await group_repo.get_membership(
            session, member_id=member.id, group_id=poll.group_id
        ):
            raise GremiumError("Only members of {group} can vote in this poll.", group=group.name)
        await repo.set_vote(
            session,
            poll_id=poll.id,
            option_id=data.option_id,
            member_id=member.id,
            answer=data.answer,
            now=bd.clock.now(),
        )
        label = ptexts.option_short(actor.lang, option, group_zone(group, bd.timezone))
    mark = ptexts.ANSWER_MARK[data.answer]
    await query.answer(actor.lang._("Saved: {mark} for {date}", mark=mark, date=label))
    if query.message is not None:
        request_redraw(bd, query.message.chat.id, query.message.message_id, poll.id, member.id)
    await request_group_tally(bd, poll.id)
    bd.refresher.mark(poll.id)  # the other members' copies follow, throttled


def request_redraw(
    bd: BotData, chat_id: int, message_id: int, poll_id: int, member_id: int
) -> None:
    """Redraw a member's poll message (throttled per chat)."""

    async def render() -> tuple[str, InlineKeyboardMarkup | None] | None:
        async with bd.sessionmaker() as session:
            poll = await repo.get_poll(session, poll_id=poll_id)
            member = await member_repo.get_member(session, member_id=member_id)
            if poll is None or member is None:
                return None
            group = await group_repo.get_group(session, group_id=poll.group_id)
            assert group is not None
            part = (await poll_payload(session, bd, poll, group, member))[0]["params"]
        return part["text"], markup_from(bd.throttle.bot, part.get("reply_markup"))

    bd.throttle.request(chat_id, message_id, render)


async def request_group_tally(bd: BotData, poll_id: int) -> None:
    """Redraw the compact tally in the group's linked chat, if it was posted."""
    async with bd.sessionmaker() as session:
        poll = await repo.get_poll(session, poll_id=poll_id)
        group = await group_repo.get_group(session, group_id=poll.group_id) if poll else None
        if poll is None or group is None or group.chat_id is None:
            return
        sent = await outbox.find(session, dedupe_key=f"pt{poll.id}:{group.chat_id}")
    if sent is None or not sent.message_ids:
        return
    chat_id = group.chat_id

    async def render() -> tuple[str, InlineKeyboardMarkup | None] | None:
        async with bd.sessionmaker() as session:
            fresh = await repo.get_poll(session, poll_id=poll_id)
            fresh_group = await group_repo.get_group(session, group_id=poll.group_id)
            if fresh is None or fresh_group is None:
                return None
            lang = bd.translator.get(None)
            return await compact_tally_text(session, bd, fresh, fresh_group, lang), None

    bd.throttle.request(chat_id, sent.message_ids[0], render)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    app.add_handler(CallbackQueryHandler(vote_button, pattern=matches(VoteAction)))
