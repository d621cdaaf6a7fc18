"""Votes written together: while one batch is in the database, the next one gathers.

A press on a Yes / Maybe / No button needs the voter, the option, its poll and group, and the
voter's membership checked, then one row written. Done one press at a time, that is a
transaction per press; in a vote storm the presses queue behind each other. The ballot box
checks and writes every press that came in meanwhile in one transaction of a few statements
(group commit), and each press returns once its vote is committed.

Only the plain case is decided here: a consented member of the poll's group voting on a live
date of an open poll, with the name Telegram reports unchanged. Anything else (a stranger, a
closed poll, a removed date, a new name to store) returns None, and the caller takes the
careful path that explains the refusal in the person's language or updates the profile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import User

from domain.clock import Clock
from domain.voting import VoteTarget, vote_refusal
from storage import ballots as repo
from storage.db import SessionMaker
from storage.models import Group, PollOption, PollStatus

#: Presses written in one transaction at most.
MAX_BATCH = 256


@dataclass(frozen=True)
class Cast:
    """A vote as pressed."""

    user: User
    option_id: int
    answer: str


@dataclass(frozen=True)
class Counted:
    """A vote that is stored: what the reply and the redraws need."""

    member_id: int
    language: str | None
    option: PollOption
    group: Group
    poll_id: int
    #: All of the member's answers on this poll after this vote (None: not read).
    answers: dict[int, str] | None = None


class BallotBox:
    """Collects votes and writes them in batches (see the module's description)."""

    def __init__(self, *, sessionmaker: SessionMaker, clock: Clock, privacy_version: int) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.privacy_version = privacy_version
        self.batches = 0  # transactions written (tests, the benchmark)
        self._waiting: list[tuple[Cast, asyncio.Future[Counted | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def cast(self, user: User, option_id: int, answer: str) -> Counted | None:
        """Record the vote if it is the plain case; None leaves it to the careful path."""
        future: asyncio.Future[Counted | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((Cast(user, option_id, answer), future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="ballot-box")
        return await future

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    results = await self._record([cast for cast, _ in batch])
                except Exception as exc:  # each press reports it through its own handler
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._writer = None

    async def _record(self, casts: Sequence[Cast]) -> list[Counted | None]:
        now = self.clock.now()
        async with self.sessionmaker.begin() as session:
            ctx = await repo.ballot_context(
                session,
                telegram_ids=[c.user.id for c in casts],
                option_ids=[c.option_id for c in casts],
            )
            checked = [self._check(cast, ctx, now) for cast in casts]
            votes = [
                repo.NewVote(r.poll_id, cast.option_id, r.member_id, cast.answer)
                for cast, r in zip(casts, checked, strict=True)
                if r is not None
            ]
            await repo.set_votes(session, votes=votes, now=now)
            # Each voter's answers as they stand now: their copy is redrawn from these.
            answers = await repo.answers_of_many(
                session, voters=[(v.poll_id, v.member_id) for v in votes]
            )
        self.batches += 1
        return [
            None if r is None else replace(r, answers=answers.get((r.poll_id, r.member_id)))
            for r in checked
        ]

    def _check(self, cast: Cast, ctx: repo.BallotContext, now: datetime) -> Counted | None:
        user = cast.user
        member = ctx.members.get(user.id)
        option = ctx.options.get(cast.option_id)
        poll = ctx.polls.get(option.poll_id) if option else None
        group = ctx.groups.get(poll.group_id) if poll else None
        if member is None or option is None or poll is None:
            return None
        if group is None or poll.id is None or member.consent_version < self.privacy_version:
            return None
        if (member.first_name, member.last_name, member.username) != (
            user.first_name[:128],
            user.last_name[:128] if user.last_name else None,
            user.username,
        ):
            return None
        target = VoteTarget(
            found=True,
            draft=poll.status == PollStatus.DRAFT,
            open=poll.status == PollStatus.OPEN,
            deadline=poll.deadline,
            removed=option.removed,
            in_group=(member.id, poll.group_id) in ctx.memberships,
        )
        if vote_refusal(target, now=now) is not None:
            return None
        return Counted(member.id, member.language, option, group, poll.id)
