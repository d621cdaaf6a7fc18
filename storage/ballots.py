"""Votes written in batches (the ballot box): what checking a batch needs, read in two
statements, and the batch's votes written in one. Keyword-only, session first, never commit.

The statements are built once and cached: batches differ in size, and a statement that
listed each batch's rows would be compiled anew every time.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Group, Member, Membership, Poll, PollOption, Vote


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
    """The voters, the options they pressed, those options' polls (share-locked until the
    transaction ends) and groups, and which of the voters belong to which of the groups."""
    # Two statements: the options with their polls and groups, then the voters, each with
    # the memberships they hold in those groups.
    found = (
        await session.exec(
            select(PollOption, Poll, Group)
            .join(Poll, col(Poll.id) == col(PollOption.poll_id))
            .join(Group, col(Group.id) == col(Poll.group_id))
            .where(col(PollOption.id).in_(set(option_ids)))
            # Shared locks on the polls: a close (FOR UPDATE) waits for this batch, and this
            # batch reads a poll a close is under way on only once the close committed.
            .with_for_update(read=True, of=Poll)
            .execution_options(populate_existing=True)
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
