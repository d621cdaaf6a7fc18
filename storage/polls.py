"""Repository functions for date polls and votes. Keyword-only, session first, never commit."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    DraftStep,
    Group,
    Member,
    Membership,
    Poll,
    PollOption,
    PollStatus,
    Vote,
)

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


@dataclass(frozen=True)
class Count:
    """Yes / maybe / no of one option, counting only current members of the group."""

    option_id: int
    yes: int = 0
    maybe: int = 0
    no: int = 0


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
    await set_votes(session, votes=[NewVote(poll_id, option_id, member_id, answer)], now=now)


async def answers_of(session: AsyncSession, *, poll_id: int, member_id: int) -> dict[int, str]:
    """A member's answers on a poll: option id -> answer."""
    result = await session.exec(
        select(Vote.option_id, Vote.answer).where(
            Vote.poll_id == poll_id, Vote.member_id == member_id
        )
    )
    return dict(result.all())


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


@dataclass(frozen=True)
class NewVote:
    """One answer to record: who, which option of which poll, what."""

    poll_id: int
    option_id: int
    member_id: int
    answer: str


@dataclass(frozen=True)
class Voter:
    """What checking a vote needs of a member (read as columns, not as a whole member)."""

    id: int
    telegram_id: int
    consent_version: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str | None

    #: The member columns, in the order of the fields.
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "telegram_id",
        "consent_version",
        "first_name",
        "last_name",
        "username",
        "language",
    )


@dataclass
class BallotContext:
    """What checking a batch of votes needs, loaded in a few statements."""

    members: dict[int, Voter]  # by Telegram id
    options: dict[int, PollOption]
    polls: dict[int, Poll]
    groups: dict[int, Group]
    memberships: set[tuple[int, int]]  # (member id, group id)


async def ballot_context(
    session: AsyncSession, *, telegram_ids: Sequence[int], option_ids: Sequence[int]
) -> BallotContext:
    """The voters, the options they pressed, those options' polls and groups, and which of
    the voters belong to which of the groups."""
    # Two statements: the options with their polls and groups, then the voters, each with
    # the memberships they hold in those groups.
    found = (
        await session.exec(
            select(PollOption, Poll, Group)
            .join(Poll, col(Poll.id) == col(PollOption.poll_id))
            .join(Group, col(Group.id) == col(Poll.group_id))
            .where(col(PollOption.id).in_(set(option_ids)))
        )
    ).all()
    options = {o.id: o for o, _, _ in found if o.id is not None}
    polls = {p.id: p for _, p, _ in found if p.id is not None}
    groups = {g.id: g for _, _, g in found if g.id is not None}
    members: dict[int, Voter] = {}
    memberships: set[tuple[int, int]] = set()
    connection = await session.connection()
    for row in await connection.execute(
        _voters_statement(), {"tids": list(set(telegram_ids)), "gids": list(groups)}
    ):
        voter = Voter(*row[:-1])
        members[voter.telegram_id] = voter
        if row[-1] is not None:
            memberships.add((voter.id, int(row[-1])))
    return BallotContext(members, options, polls, groups, memberships)


@functools.cache
def _answers_statement() -> sa.Select[Any]:
    """Votes of the members ``members`` on the polls ``polls`` (expanding parameters)."""
    vote: sa.Table = Vote.__table__  # type: ignore[attr-defined]
    return sa.select(vote.c.poll_id, vote.c.member_id, vote.c.option_id, vote.c.answer).where(
        vote.c.poll_id.in_(sa.bindparam("polls", expanding=True)),
        vote.c.member_id.in_(sa.bindparam("members", expanding=True)),
    )


@functools.cache
def _voters_statement() -> sa.Select[Any]:
    """Members by Telegram id (parameter ``tids``), each with a row per membership they hold
    in the groups ``gids`` (or one row with no group)."""
    member: sa.Table = Member.__table__  # type: ignore[attr-defined]
    membership: sa.Table = Membership.__table__  # type: ignore[attr-defined]
    return (
        sa.select(*(member.c[name] for name in Voter.COLUMNS), membership.c.group_id)
        .outerjoin(
            membership,
            sa.and_(
                membership.c.member_id == member.c.id,
                membership.c.group_id.in_(sa.bindparam("gids", expanding=True)),
            ),
        )
        .where(member.c.telegram_id.in_(sa.bindparam("tids", expanding=True)))
    )


async def set_votes(session: AsyncSession, *, votes: Sequence[NewVote], now: datetime) -> None:
    """:func:`set_vote` for several votes in one statement (the last of a repeated
    option and member wins)."""
    latest = {(v.option_id, v.member_id): v for v in votes}
    if not latest:
        return
    connection = await session.connection()
    # One cached statement for many rows (executemany), not one compiled per batch.
    await connection.execute(
        _upsert_votes(connection.dialect.name),
        [
            {
                "poll_id": v.poll_id,
                "option_id": v.option_id,
                "member_id": v.member_id,
                "answer": v.answer,
                "updated_at": now,
            }
            for v in latest.values()
        ],
    )


@functools.cache
def _upsert_votes(dialect: str) -> Any:
    """INSERT INTO vote ... ON CONFLICT (option, member) DO UPDATE, in the dialect's spelling."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Vote.__table__)  # type: ignore[attr-defined]
    return stmt.on_conflict_do_update(
        index_elements=["option_id", "member_id"],
        set_={"answer": stmt.excluded.answer, "updated_at": stmt.excluded.updated_at},
    )


async def answers_of_many(
    session: AsyncSession, *, voters: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], dict[int, str]]:
    """:func:`answers_of` for several ``(poll id, member id)`` at once."""
    wanted = set(voters)
    if not wanted:
        return {}
    connection = await session.connection()
    result = await connection.execute(
        _answers_statement(),
        {"polls": list({p for p, _ in wanted}), "members": list({m for _, m in wanted})},
    )
    found: dict[tuple[int, int], dict[int, str]] = {key: {} for key in wanted}
    for poll_id, member_id, option_id, answer in result.all():
        if (poll_id, member_id) in found:
            found[(poll_id, member_id)][option_id] = answer
    return found
