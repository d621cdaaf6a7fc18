"""Many votes on one poll at once, from separate connections, on SQLite and PostgreSQL.

Each vote is the transaction the vote button runs: find the member, the option and the poll,
check the membership, upsert the answer. Every member presses every button two or three times
at once (a double tap) from different connections. Afterwards there is exactly one vote per
member and date with the pressed answer, and no transaction failed ("database is locked" or a
unique-constraint race would surface to a member as an error).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from domain.clock import FakeClock
from storage import ballots as ballot_repo
from storage import groups as group_repo
from storage import members as member_repo
from storage import polls as poll_repo
from storage.db import SessionMaker, create_engine, make_sessionmaker
from storage.models import Member, PollStatus, Vote
from tests.conftest import HYPOTHESIS_PROFILE

SOAK = HYPOTHESIS_PROFILE == "soak"
MEMBERS, CONNECTIONS = (150, 16) if SOAK else (40, 8)
ANSWERS = ("yes", "maybe", "no")


async def _poll_with_members(
    sessionmaker: SessionMaker, clock: FakeClock, members: int
) -> tuple[int, list[int], list[int]]:
    """A group with ``members`` members and an open poll with three dates."""
    now = clock.now()
    async with sessionmaker.begin() as session:
        group = await group_repo.create_group(
            session, slug="bildung", name="Bildung", timezone="Europe/Berlin", now=now
        )
        assert group.id is not None
        telegram_ids = []
        for i in range(members):
            member = await member_repo.record_consent(
                session,
                telegram_id=10_000 + i,
                first_name=f"M{i}",
                last_name=None,
                username=None,
                language="de",
                version=1,
                now=now,
            )
            assert member.id is not None
            await group_repo.add_membership(
                session, member_id=member.id, group_id=group.id, now=now
            )
            telegram_ids.append(10_000 + i)
        poll = await poll_repo.create_draft(session, group_id=group.id, author_id=1, now=now)
        assert poll.id is not None
        await poll_repo.replace_options(
            session,
            poll_id=poll.id,
            options=[
                poll_repo.NewOption(starts_at=now + timedelta(days=d), ends_at=None, all_day=True)
                for d in (20, 22, 27)
            ],
        )
        poll.status = PollStatus.OPEN
        session.add(poll)
        options = [o.id or 0 for o in await poll_repo.list_options(session, poll_id=poll.id)]
    return poll.id, options, telegram_ids


async def _press(
    sessionmaker: SessionMaker, clock: FakeClock, telegram_id: int, option_id: int, answer: str
) -> None:
    """What the vote button does in its one transaction."""
    async with sessionmaker.begin() as session:
        member = await member_repo.get_member_by_telegram_id(session, telegram_id=telegram_id)
        option = await poll_repo.get_option(session, option_id=option_id)
        assert member is not None and member.id is not None and option is not None
        poll = await poll_repo.get_poll(session, poll_id=option.poll_id)
        assert poll is not None and poll.id is not None and poll.status == PollStatus.OPEN
        assert await group_repo.get_membership(
            session, member_id=member.id, group_id=poll.group_id
        )
        await poll_repo.set_vote(
            session,
            poll_id=poll.id,
            option_id=option_id,
            member_id=member.id,
            answer=answer,
            now=clock.now(),
        )


async def test_many_votes_at_once_from_separate_connections(
    database_url: str,
    sessionmaker: SessionMaker,
    clock: FakeClock,
    figures: Callable[[str], None],
) -> None:
    """No vote lost, none doubled, no transaction failed."""
    poll_id, options, people = await _poll_with_members(sessionmaker, clock, MEMBERS)
    rng = random.Random(7)
    wanted = {(p, o): rng.choice(ANSWERS) for p in people for o in options}
    presses = [key for key in wanted for _ in range(rng.randint(2, 3))]
    rng.shuffle(presses)

    engines = [
        create_engine(database_url, pool_size=1, max_overflow=0) for _ in range(CONNECTIONS)
    ]
    makers = [make_sessionmaker(engine) for engine in engines]
    failures: list[BaseException] = []

    async def press(index: int, key: tuple[int, int]) -> None:
        try:
            await _press(makers[index % CONNECTIONS], clock, *key, wanted[key])
        except DBAPIError as exc:  # "database is locked", a lost race on the unique key ...
            failures.append(exc)

    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(press(i, key) for i, key in enumerate(presses)))
        seconds = loop.time() - started
    finally:
        for engine in engines:
            await engine.dispose()

    assert failures == []
    async with sessionmaker() as session:
        votes = (await session.exec(select(Vote).where(Vote.poll_id == poll_id))).all()
        members = {m.id: m.telegram_id for m in (await session.exec(select(Member))).all()}
    stored = {(members[v.member_id], v.option_id): v.answer for v in votes}
    assert len(votes) == len(wanted)  # none doubled
    assert stored == wanted  # none lost, each the pressed answer
    backend = database_url.split("+")[0]
    figures(
        f"contention[{backend}]: {len(presses)} vote transactions on one poll from "
        f"{CONNECTIONS} connections at once in {seconds:.1f} s: {len(votes)} votes stored "
        f"for {len(wanted)} (member, date) pairs, 0 lost, 0 doubled, 0 failed"
    )


async def test_a_batch_of_votes_is_checked_and_written_in_one_transaction(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """The ballot box's statements: the context of a batch holds the voters, options, polls,
    groups and memberships; ``set_votes`` writes them at once, and the later of two answers
    of one member to one date wins."""
    poll_id, options, telegram_ids = await _poll_with_members(sessionmaker, clock, 3)
    async with sessionmaker.begin() as session:
        ctx = await ballot_repo.ballot_context(
            session, telegram_ids=[*telegram_ids, 999], option_ids=[*options, 424242]
        )
        assert set(ctx.members) == set(telegram_ids)  # a stranger is simply not there
        assert set(ctx.options) == set(options)
        assert list(ctx.polls) == [poll_id]
        group_id = ctx.polls[poll_id].group_id
        assert list(ctx.groups) == [group_id]
        member_ids = [ctx.members[t].id or 0 for t in telegram_ids]
        assert ctx.memberships == {(m, group_id) for m in member_ids}
        # Someone who consented but is only in another group is read, without a membership.
        outsider = await member_repo.record_consent(
            session,
            telegram_id=555,
            first_name="Ayşe",
            last_name="Öztürk",
            username="ayse",
            language="tr",
            version=1,
            now=clock.now(),
        )
        other = await group_repo.create_group(
            session, slug="kultur", name="Kultur", timezone="Europe/Berlin", now=clock.now()
        )
        assert outsider.id is not None and other.id is not None
        await group_repo.add_membership(
            session, member_id=outsider.id, group_id=other.id, now=clock.now()
        )
        seen = await ballot_repo.ballot_context(
            session, telegram_ids=[555, telegram_ids[0]], option_ids=options[:1]
        )
        assert seen.members[555] == ballot_repo.Voter(
            outsider.id, 555, 1, "Ayşe", "Öztürk", "ayse", "tr"
        )
        assert seen.memberships == {(member_ids[0], group_id)}
        await ballot_repo.set_votes(
            session,
            votes=[
                ballot_repo.NewVote(poll_id, options[0], member_ids[0], "yes"),
                ballot_repo.NewVote(poll_id, options[1], member_ids[0], "no"),
                ballot_repo.NewVote(poll_id, options[0], member_ids[1], "maybe"),
                ballot_repo.NewVote(poll_id, options[0], member_ids[0], "no"),  # changed her mind
            ],
            now=clock.now(),
        )
    clock.advance(timedelta(minutes=5))
    async with sessionmaker.begin() as session:  # a later batch changes an existing vote
        await ballot_repo.set_votes(
            session,
            votes=[ballot_repo.NewVote(poll_id, options[1], member_ids[0], "yes")],
            now=clock.now(),
        )
    async with sessionmaker() as session:
        votes = (await session.exec(select(Vote))).all()
    assert sorted((v.option_id, v.member_id, v.answer) for v in votes) == sorted(
        [
            (options[0], member_ids[0], "no"),
            (options[1], member_ids[0], "yes"),
            (options[0], member_ids[1], "maybe"),
        ]
    )
    changed = next(v for v in votes if v.option_id == options[1])
    assert changed.updated_at == clock.now()


async def test_answers_of_many_voters(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """Each voter's answers on the poll, read back for a batch at once; a voter without
    answers gets an empty map."""
    poll_id, options, telegram_ids = await _poll_with_members(sessionmaker, clock, 3)
    async with sessionmaker.begin() as session:
        ctx = await ballot_repo.ballot_context(session, telegram_ids=telegram_ids, option_ids=[])
        a, b, c = (ctx.members[t].id or 0 for t in telegram_ids)
        await ballot_repo.set_votes(
            session,
            votes=[
                ballot_repo.NewVote(poll_id, options[0], a, "yes"),
                ballot_repo.NewVote(poll_id, options[2], a, "maybe"),
                ballot_repo.NewVote(poll_id, options[1], b, "no"),
            ],
            now=clock.now(),
        )
        found = await ballot_repo.answers_of_many(
            session, voters=[(poll_id, a), (poll_id, b), (poll_id, c)]
        )
        assert await ballot_repo.answers_of_many(session, voters=[]) == {}
    assert found == {
        (poll_id, a): {options[0]: "yes", options[2]: "maybe"},
        (poll_id, b): {options[1]: "no"},
        (poll_id, c): {},
    }
