"""Fault injection: with a tenth of all requests failing, nothing gets lost.

The emulator answers about 10% of the bot's requests with 429 (retry_after 1 s), 500, an
nginx 502 page, an answer slower than the bot's timeout (the request was executed: a resend
makes a duplicate, which is counted), or a dropped connection. A season of announcements, a
date poll with votes, its close and the meeting notice must still reach every member, with the
right tallies, and the bot must keep answering.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import pytest

from domain.clock import FakeClock
from storage.db import SessionMaker
from tests.conftest import HYPOTHESIS_PROFILE
from tests.e2e.checks import broken_invariants, copies, tally
from tests.e2e.harness import running_bot
from tests.e2e.scenario import (
    MEETING_MARKER,
    POLL_MARKER,
    announce,
    close_at_deadline,
    frozen_counts,
    gather,
    open_poll,
    vote,
)

SOAK = HYPOTHESIS_PROFILE == "soak"
#: Members and announcements: small in CI, larger under `make soak`.
MEMBERS, ANNOUNCEMENTS, SEEDS = (40, 6, range(1, 6)) if SOAK else (8, 2, range(1, 2))
#: The share of requests each kind of fault takes: 10% together.
RATES = {"429": 0.025, "500": 0.0125, "502": 0.0125, "slow": 0.025, "drop": 0.025}


@pytest.mark.parametrize("seed", SEEDS)
async def test_a_season_survives_a_tenth_of_requests_failing(
    database_url: str,
    sessionmaker: SessionMaker,
    clock: FakeClock,
    figures: Callable[[str], None],
    seed: int,
) -> None:
    """Every member gets every announcement, the poll and the meeting notice; tallies are right;
    duplicates only where a slow answer hid a send that had happened."""
    async with running_bot(
        database_url=database_url,
        sessionmaker=sessionmaker,
        clock=clock,
        request_timeout=1.0,  # a "slow" answer (1.5 s) times out
    ) as world:
        season = await gather(world, MEMBERS)
        emu = world.emu
        emu.faults.seed(seed)
        for kind, rate in RATES.items():
            emu.faults.add(kind, rate=rate, retry_after=1, delay=1.5)
        calls_before = len(emu.calls)

        for number in range(1, ANNOUNCEMENTS + 1):
            await announce(world, season, f"Ankündigung {number}: Treffen im Rathaus ✳{number}")
        options = await open_poll(world, season)
        await vote(world, season, options, random.Random(seed))
        await close_at_deadline(world)
        await world.settle(timeout=60)
        injected = Counter(emu.faults.injected)
        calls = len(emu.calls) - calls_before
        emu.faults.clear()

        missing, duplicates = Counter[str](), Counter[str]()
        for member in season.members:
            markers = [*season.announcements, POLL_MARKER, MEETING_MARKER]
            for marker in markers:
                found = copies(emu, member.id, marker)
                if found == 0:
                    missing[marker] += 1
                duplicates[marker] += max(0, found - 1)
        assert not missing, f"messages lost: {missing}"
        # Each slow answer can hide at most one send that happened, so at most one duplicate.
        # (Counting identical resends instead over-counts: with more announcements, messages
        # such as "Which group is the announcement for?" repeat without being resent.)
        assert sum(duplicates.values()) <= injected["slow"]
        assert await frozen_counts(world, options) == season.expected_counts()
        assert await broken_invariants(sessionmaker) == {}

        # Still serving: a member asks for help and gets it.
        reply = await world.send(season.members[0], "/help")
        assert reply.text

        figures(
            f"faults[{world.settings.database_url.split('+')[0]}, seed {seed}]: "
            f"{calls} requests, injected {tally(injected)} "
            f"({sum(injected.values()) / calls:.1%}); "
            f"{len(season.members)} members x {ANNOUNCEMENTS + 2} messages: 0 lost, "
            f"{sum(duplicates.values())} duplicates (after {injected['slow']} slow answers); "
            f"{season.presses} vote presses, tallies right"
        )
