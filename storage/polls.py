"""Repository functions for date polls and votes. Keyword-only, session first, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import ballots
from storage.models import (
    DraftStep,
    Member,
    Membership,
    Poll,
    PollOption,
    PollStatus,
    Vote,
)
from storage.summaries import Count

#: Steps in which the author's next message is input for the poll.
TEXT_STEPS = (
    DraftStep.OPTIONS,
    DraftStep.SUGGEST,
    DraftStep.DEADLINE,
    DraftStep.LOCATION,
    DraftStep.NOTE,
    DraftStep.ADD_OPTION,
    DraftStep.EXTEND,
)


@dataclass(frozen=True)
class NewOption:
    """An option to store."""

    starts_at: datetime
    ends_at: datetime | None
    all_day: bool


async def create_draft(
    session: AsyncSession, *, group_id: int, author_id: int, now: datetime, duration: int = 120
) -> Poll:
    """A new poll being composed; other drafts of the same author are dropped."""
    await session.exec(
        update(Poll)
        .where(
            col(Poll.author_id) == author_id,
            col(Poll.status) == PollStatus.DRAFT,
            col(Poll.planned).is_(False),
        )
        .values(status=PollStatus.CANCELLED, step=None)
    )
    await session.exec(update(Poll).where(col(Poll.author_id) == author_id).values(step=None))
    poll = Poll(
        group_id=group_id,
        author_id=author_id,
        status=PollStatus.DRAFT,
        step=DraftStep.OPTIONS,
        created_at=now,
        duration_minutes=duration,
    )
    session.add(poll)
    await session.flush()
    return poll


async def get_poll(session: AsyncSession, *, poll_id: int) -> Poll | None:
    """The poll with this id."""
    return await session.get(Poll, poll_id)


async def awaiting_text(session: AsyncSession, *, author_id: int) -> Poll | None:
    """The poll whose author is expected to type something next, if any."""
    result = await session.exec(
        select(Poll)
        .where(
            Poll.author_id == author_id,
            col(Poll.step).in_(TEXT_STEPS),
            col(Poll.status).in_([PollStatus.DRAFT, PollStatus.OPEN]),
        )
        .order_by(col(Poll.id).desc())
    )
    return result.first()


async def replace_options(
    session: AsyncSession, *, poll_id: int, options: Sequence[NewOption]
) -> None:
    """Set a draft's options (replacing earlier ones)."""
    await session.exec(delete(PollOption).where(col(PollOption.poll_id) == poll_id))
    for option in options:
        session.add(
            PollOption(
                poll_id=poll_id,
                starts_at=option.starts_at,
                ends_at=option.ends_at,
                all_day=option.all_day,
            )
        )
    await session.flush()


async def add_option(session: AsyncSession, *, poll_id: int, option: NewOption) -> PollOption:
    """Add an option to an open poll."""
    row = PollOption(
        poll_id=poll_id, starts_at=option.starts_at, ends_at=option.ends_at, all_day=option.all_day
    )
    session.add(row)
    await session.flush()
    return row


async def list_options(
    session: AsyncSession, *, poll_id: int, include_removed: bool = False
) -> list[PollOption]:
    """A poll's options by time."""
    stmt = select(PollOption).where(PollOption.poll_id == poll_id)
    if not include_removed:
        stmt = stmt.where(col(PollOption.removed).is_(False))
    result = await session.exec(stmt.order_by(col(PollOption.starts_at), col(PollOption.id)))
    return list(result.all())


async def get_option(session: AsyncSession, *, option_id: int) -> PollOption | None:
    """The option with this id."""
    return await session.get(PollOption, option_id)


async def set_vote(
    session: AsyncSession,
    *,
    poll_id: int,
    option_id: int,
    member_id: int,
    answer: str,
    now: datetime,
) -> None:
    """Record or change a vote in one statement (safe when two presses race)."""
    await ballots.set_votes(
        session, votes=[ballots.NewVote(poll_id, option_id, member_id, answer)], now=now
    )


async def answers_of(session: AsyncSession, *, poll_id: int, member_id: int) -> dict[int, str]:
    """A member's answers on a poll: option id -> answer."""
    result = await session.exec(
        select(Vote.option_id, Vote.answer).where(
            Vote.poll_id == poll_id, Vote.member_id == member_id
        )
    )
    return dict(result.all())


async def copy_states(
    session: AsyncSession, *, poll_id: int, member_ids: Sequence[int]
) -> dict[int, tuple[str | None, dict[int, str]]]:
    """For each member, their language and their answers on the poll (option -> answer),
    read in two statements: what drawing their copy of the poll needs."""
    states: dict[int, tuple[str | None, dict[int, str]]] = {}
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        languages = await session.exec(
            select(Member.id, Member.language).where(col(Member.id).in_(chunk))
        )
        for member_id, language in languages.all():
            if member_id is not None:
                states[member_id] = (language, {})
        votes = await session.exec(
            select(Vote.member_id, Vote.option_id, Vote.answer).where(
                Vote.poll_id == poll_id, col(Vote.member_id).in_(chunk)
            )
        )
        for member_id, option_id, answer in votes.all():
            if member_id in states:
                states[member_id][1][option_id] = answer
    return states


async def counts(session: AsyncSession, *, poll: Poll) -> dict[int, Count]:
    """Yes / maybe / no per option, counting only people who are members of the group now."""
    assert poll.id is not None
    result = await session.exec(
        select(Vote.option_id, Vote.answer, func.count(col(Vote.id)))
        .join(
            Membership,
            (col(Membership.member_id) == col(Vote.member_id))
            & (col(Membership.group_id) == poll.group_id),
        )
        .where(Vote.poll_id == poll.id)
        .group_by(col(Vote.option_id), col(Vote.answer))
    )
    table: dict[int, dict[str, int]] = {}
    for option_id, answer, n in result.all():
        table.setdefault(option_id, {})[answer] = int(n)
    return {
        oid: Count(oid, t.get("yes", 0), t.get("maybe", 0), t.get("no", 0))
        for oid, t in table.items()
    }


async def answered(session: AsyncSession, *, poll: Poll) -> int:
    """How many current members answered at least one option."""
    result = await session.exec(
        select(func.count(func.distinct(col(Vote.member_id))))
        .join(
            Membership,
            (col(Membership.member_id) == col(Vote.member_id))
            & (col(Membership.group_id) == poll.group_id),
        )
        .where(Vote.poll_id == poll.id)
    )
    return int(result.one())


async def not_answered(session: AsyncSession, *, poll: Poll) -> list[Member]:
    """Members of the group who have not answered any option."""
    voted = select(Vote.member_id).where(Vote.poll_id == poll.id)
    result = await session.exec(
        select(Member)
        .join(Membership, col(Membership.member_id) == col(Member.id))
        .where(Membership.group_id == poll.group_id, col(Member.id).not_in(voted))
        .order_by(col(Member.id))
    )
    return list(result.all())


async def voters_of_option(session: AsyncSession, *, option_id: int) -> list[Member]:
    """Members who answered Yes or Maybe to an option."""
    result = await session.exec(
        select(Member)
        .join(Vote, col(Vote.member_id) == col(Member.id))
        .where(Vote.option_id == option_id, col(Vote.answer).in_(["yes", "maybe"]))
    )
    return list(result.all())


async def list_polls(
    session: AsyncSession, *, group_ids: set[int] | None, statuses: Sequence[PollStatus]
) -> list[Poll]:
    """Polls of some groups (None: all) in the given states, newest first."""
    stmt = select(Poll).where(col(Poll.status).in_(statuses))
    if group_ids is not None:
        stmt = stmt.where(col(Poll.group_id).in_(group_ids))
    result = await session.exec(stmt.order_by(col(Poll.id).desc()))
    return list(result.all())


async def lock_poll(session: AsyncSession, *, poll_id: int, share: bool = False) -> Poll | None:
    """The poll as committed now, its row locked until the transaction ends: exclusively
    (``FOR UPDATE``: closing) or shared (``FOR SHARE``: voting, so many votes go on at once
    but none while a close is under way, and no close while a vote is). SQLite has no row
    locks; it serialises writing transactions as a whole."""
    result = await session.exec(
        select(Poll)
        .where(col(Poll.id) == poll_id)
        .with_for_update(read=share)
        .execution_options(populate_existing=True)
    )
    return result.first()


async def freeze_open_poll(
    session: AsyncSession, *, poll_id: int, now: datetime
) -> tuple[Poll, dict[int, Count]] | None:
    """Close the poll for voting: lock it, and if it is still open, store each option's
    counts and the closing time; None when it is not open (any more). A vote is either in
    the counts or, once this transaction commits, sees the poll closed (see
    :func:`lock_poll`)."""
    poll = await lock_poll(session, poll_id=poll_id)
    if poll is None or poll.status != PollStatus.OPEN:
        return None
    counts = await freeze_counts(session, poll=poll)
    poll.closed_at = now
    session.add(poll)
    return poll, counts


async def freeze_counts(session: AsyncSession, *, poll: Poll) -> dict[int, Count]:
    """Store each option's counts on the option, so they outlive the per-member votes."""
    table = await counts(session, poll=poll)
    assert poll.id is not None
    for option in await list_options(session, poll_id=poll.id):
        assert option.id is not None
        c = table.get(option.id, Count(option.id))
        option.yes_count, option.maybe_count, option.no_count = c.yes, c.maybe, c.no
        session.add(option)
    return table
