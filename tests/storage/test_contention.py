"""Many votes on one poll at once, from separate connections, on SQLite and PostgreSQL; and a
vote racing the poll's close.

Each vote is the transaction the vote button runs: find the member, the option and the poll,
check the membership, upsert the answer. Every member presses every date two or three times
(a change of mind, each press a different answer), each press on another connection while all
other members press too. Afterwards there is exactly one vote per member and date, holding
that member's last press, and no transaction failed ("database is locked" or a
unique-constraint race would surface to a member as an error). The same holds for the
ballot box's batched path. A vote racing "Close now" is either in the frozen counts or
refused, never saved after the counts froze.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select
from telegram import User

from domain.clock import FakeClock
from runtime.ballots import BallotBox
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


def _changes_of_mind(
    people: list[int], options: list[int], rng: random.Random
) -> dict[tuple[int, int], list[str]]:
    """For each (member, date), two or three presses, each a different answer."""
    return {(p, o): rng.sample(ANSWERS, rng.randint(2, 3)) for p in people for o in options}


async def _press_in_order(
    pressed: dict[tuple[int, int], list[str]],
    press: Callable[[int, tuple[int, int], str], Awaitable[None]],
) -> float:
    """Every pair's presses one after the other (each on the next connection), all pairs at
    once; returns the seconds it took."""
    order = list(pressed)
    random.Random(11).shuffle(order)

    async def one_pair(index: int, key: tuple[int, int]) -> None:
        for step, answer in enumerate(pressed[key]):
            await press(index + step, key, answer)

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(one_pair(i, key) for i, key in enumerate(order)))
    return loop.time() - started


async def _stored(sessionmaker: SessionMaker, poll_id: int) -> dict[tuple[int, int], str]:
    async with sessionmaker() as session:
        votes = (await session.exec(select(Vote).where(Vote.poll_id == poll_id))).all()
        members = {m.id: m.telegram_id for m in (await session.exec(select(Member))).all()}
    stored = {(members[v.member_id], v.option_id): v.answer for v in votes}
    assert len(stored) == len(votes)  # none doubled
    return stored


async def test_many_votes_at_once_from_separate_connections(
    database_url: str,
    sessionmaker: SessionMaker,
    clock: FakeClock,
    figures: Callable[[str], None],
) -> None:
    """No vote lost, none doubled, no transaction failed; each member's last press wins.

    Planted bug it catches: the upsert keeping the first answer (``ON CONFLICT DO NOTHING``)
    or a plain insert racing on the unique key."""
    poll_id, options, people = await _poll_with_members(sessionmaker, clock, MEMBERS)
    pressed = _changes_of_mind(people, options, random.Random(7))
    engines = [
        create_engine(database_url, pool_size=1, max_overflow=0) for _ in range(CONNECTIONS)
    ]
    makers = [make_sessionmaker(engine) for engine in engines]
    failures: list[BaseException] = []

    async def press(index: int, key: tuple[int, int], answer: str) -> None:
        try:
            await _press(makers[index % CONNECTIONS], clock, *key, answer)
        except DBAPIError as exc:  # "database is locked", a lost race on the unique key ...
            failures.append(exc)

    try:
        seconds = await _press_in_order(pressed, press)
    finally:
        for engine in engines:
            await engine.dispose()

    assert failures == []
    wanted = {key: answers[-1] for key, answers in pressed.items()}
    stored = await _stored(sessionmaker, poll_id)
    assert stored == wanted  # none lost, each the last pressed answer
    presses = sum(len(a) for a in pressed.values())
    backend = database_url.split("+")[0]
    figures(
        f"contention[{backend}]: {presses} vote transactions on one poll from "
        f"{CONNECTIONS} connections at once in {seconds:.1f} s: {len(stored)} votes stored "
        f"for {len(wanted)} (member, date) pairs, each the last press, 0 failed"
    )


async def test_batched_votes_from_several_ballot_boxes_keep_the_last_press(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """The batched path: several ballot boxes (as several bot processes would have), each on
    its own connection, take every member's changes of mind at once; each member's last
    press is stored, none lost or doubled, none refused.

    Planted bug it catches: ``set_votes`` keeping the first of a member's answers (within a
    batch, or ``ON CONFLICT DO NOTHING`` across batches)."""
    poll_id, options, people = await _poll_with_members(sessionmaker, clock, MEMBERS)
    pressed = _changes_of_mind(people, options, random.Random(5))
    engines = [create_engine(database_url, pool_size=1, max_overflow=0) for _ in range(4)]
    boxes = [
        BallotBox(sessionmaker=make_sessionmaker(e), clock=clock, privacy_version=1)
        for e in engines
    ]
    refused: list[tuple[int, int, str]] = []

    async def press(index: int, key: tuple[int, int], answer: str) -> None:
        telegram_id, option_id = key
        user = User(telegram_id, f"M{telegram_id - 10_000}", is_bot=False)
        if await boxes[index % len(boxes)].cast(user, option_id, answer) is None:
            refused.append((telegram_id, option_id, answer))

    try:
        await _press_in_order(pressed, press)
    finally:
        for engine in engines:
            await engine.dispose()
    assert refused == []
    assert await _stored(sessionmaker, poll_id) == {k: a[-1] for k, a in pressed.items()}
    assert sum(b.batches for b in boxes) < sum(len(a) for a in pressed.values())  # batched


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


async def _lock_waiters(sessionmaker: SessionMaker, at_least: int = 1) -> bool:
    """Whether a connection waits for a row lock (PostgreSQL's view of its sessions); polls
    for up to two seconds."""
    async with asyncio.timeout(10):
        for _ in range(200):
            async with sessionmaker() as session:
                connection = await session.connection()
                result = await connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()"
                    )
                )
                if int(result.scalar_one()) >= at_least:
                    return True
            await asyncio.sleep(0.01)
    return False


def _postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks: SQLite serialises writing transactions as a whole")


async def _close(sessionmaker: SessionMaker, clock: FakeClock, poll_id: int) -> dict[int, Any]:
    """What closing does to the poll's row and counts (``close_poll``'s storage part)."""
    async with sessionmaker.begin() as session:
        frozen = await poll_repo.freeze_open_poll(session, poll_id=poll_id, now=clock.now())
        assert frozen is not None
        poll, counts = frozen
        poll.status = PollStatus.CLOSED
        session.add(poll)
    return counts


async def test_a_vote_that_began_before_the_close_is_in_the_frozen_counts(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock, monkeypatch: Any
) -> None:
    """The vote has read an open poll and is about to write when "Close now" comes: the close
    waits for the vote's transaction, and its frozen counts hold the vote that was "Saved".

    Planted bug it catches: the ballot box reading the poll without a shared row lock (the
    close then freezes the counts first, and the member's "Saved" vote is not counted)."""
    _postgres_only(database_url)
    poll_id, options, people = await _poll_with_members(sessionmaker, clock, 1)
    reached, proceed = asyncio.Event(), asyncio.Event()
    real = ballot_repo.set_votes

    async def paused(session: Any, **kwargs: Any) -> None:
        reached.set()
        await proceed.wait()
        await real(session, **kwargs)

    monkeypatch.setattr(ballot_repo, "set_votes", paused)
    box = BallotBox(sessionmaker=sessionmaker, clock=clock, privacy_version=1)
    vote = asyncio.create_task(box.cast(User(people[0], "M0", is_bot=False), options[0], "yes"))
    await reached.wait()  # the vote checked an open poll
    close = asyncio.create_task(_close(sessionmaker, clock, poll_id))
    waited = await _lock_waiters(sessionmaker)
    proceed.set()
    counted, counts = await vote, await close
    assert counted is not None  # the member was told "Saved" ...
    assert getattr(counts.get(options[0]), "yes", 0) == 1  # ... and the vote is counted
    assert waited  # because the close waited for the vote


async def test_a_vote_after_the_close_began_is_refused(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """ "Close now" has locked the poll and is freezing the counts when a vote comes: the vote
    waits, then sees the poll closed and is refused (the member is told it closed); nothing
    is stored after the counts froze.

    Planted bug it catches: closing without locking the poll's row (the vote then reads an
    open poll, is saved and answered "Saved", but the frozen counts leave it out)."""
    _postgres_only(database_url)
    poll_id, options, people = await _poll_with_members(sessionmaker, clock, 1)
    box = BallotBox(sessionmaker=sessionmaker, clock=clock, privacy_version=1)
    async with sessionmaker.begin() as closing:
        frozen = await poll_repo.freeze_open_poll(closing, poll_id=poll_id, now=clock.now())
        assert frozen is not None
        user = User(people[0], "M0", is_bot=False)
        vote = asyncio.create_task(box.cast(user, options[0], "yes"))
        waited = await _lock_waiters(sessionmaker)
        frozen[0].status = PollStatus.CLOSED
        closing.add(frozen[0])
    counted = await vote
    assert counted is None  # refused: the careful path answers "This poll closed on ..."
    assert await _stored(sessionmaker, poll_id) == {}
    assert frozen[1] == {}  # no vote was in the counts either
    assert waited
