"""Voting on date polls: the Yes / Maybe / No buttons and the tallies they redraw."""

from __future__ import annotations

import logging

from telegram import Update, User

from domain.errors import GremiumError
from domain.i18n import Lang
from domain.voting import Refusal, VoteTarget, vote_refusal
from handlers.callback_data import VoteAction
from handlers.callbacks import decode
from handlers.common import group_zone, load_actor
from handlers.context import BotData, Context
from handlers.polls import texts as ptexts
from runtime.ballots import Counted
from storage import groups as group_repo
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
    counted = await bd.ballots.cast(query.from_user, data.option_id, data.answer)
    if counted is None:  # not the plain case: explain, or store the new name as well
        counted = await _careful_vote(bd, query.from_user, data)
    option, group = counted.option, counted.group
    lang = bd.translator.get(counted.language)
    label = ptexts.option_short(lang, option, group_zone(group, bd.timezone))
    mark = ptexts.ANSWER_MARK[data.answer]
    await query.answer(lang._("Saved: {mark} for {date}", mark=mark, date=label))
    if query.message is not None:
        bd.refresher.redraw_copy(
            query.message.chat.id,
            query.message.message_id,
            counted.poll_id,
            counted.member_id,
            voted=True,
            language=counted.language,
            answers=counted.answers,
        )
    await bd.refresher.redraw_tally(counted.poll_id)
    bd.refresher.mark(counted.poll_id)  # the other members' copies follow, throttled


async def _careful_vote(bd: BotData, user: User, data: VoteAction) -> Counted:
    """One vote in a transaction of its own, with every refusal explained."""
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        member = actor.require_member()
        option = await repo.get_option(session, option_id=data.option_id)
        # Share-locked: a close waits for this vote, or this vote sees the poll closed.
        poll = (
            await repo.lock_poll(session, poll_id=option.poll_id, share=True) if option else None
        )
        group = await group_repo.get_group(session, group_id=poll.group_id) if poll else None
        in_group = bool(
            poll
            and member.id is not None
            and await group_repo.get_membership(
                session, member_id=member.id, group_id=poll.group_id
            )
        )
        target = VoteTarget(
            found=option is not None and poll is not None and group is not None,
            draft=poll is not None and poll.status == PollStatus.DRAFT,
            open=poll is not None and poll.status == PollStatus.OPEN,
            deadline=poll.deadline if poll else None,
            removed=option is not None and option.removed,
            in_group=in_group,
        )
        _refuse(vote_refusal(target, now=bd.clock.now()), actor.lang, poll, group, bd)
        assert option is not None and poll is not None and group is not None
        assert member.id is not None and poll.id is not None
        await repo.set_vote(
            session,
            poll_id=poll.id,
            option_id=data.option_id,
            member_id=member.id,
            answer=data.answer,
            now=bd.clock.now(),
        )
    return Counted(member.id, member.language, option, group, poll.id)


def _refuse(
    refusal: Refusal | None, lang: Lang, poll: Poll | None, group: Group | None, bd: BotData
) -> None:
    """Explain a refused vote in the voter's language (nothing when it is taken)."""
    if refusal is None:
        return
    if refusal is Refusal.STALE_BUTTON or poll is None or group is None:
        raise GremiumError("This button is no longer valid. Please use the newest message.")
    if refusal is Refusal.CLOSED:
        raise GremiumError(closed_text(lang, poll, group, bd))
    if refusal is Refusal.REMOVED:
        raise GremiumError("This date was removed from the poll.")
    raise GremiumError("Only members of {group} can vote in this poll.", group=group.name)
