"""A burst of votes through the bot: everyone presses at once; every press is saved and
answered, none is refused with a database error."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlmodel import select

from storage.models import Member, Vote
from tests.conftest import HYPOTHESIS_PROFILE
from tests.e2e.checks import broken_invariants
from tests.e2e.harness import World
from tests.e2e.scenario import gather, open_poll, vote

MEMBERS = 60 if HYPOTHESIS_PROFILE == "soak" else 20


async def test_a_vote_burst_is_saved_and_answered(
    world: World, figures: Callable[[str], None]
) -> None:
    """All members press their buttons at the same moment: every press answered "Saved", the
    stored votes are each member's last press."""
    season = await gather(world, MEMBERS)
    options = await open_poll(world, season)
    answers = {m.id: len(m.callback_answers) for m in season.members}
    await vote(world, season, options, random.Random(3))

    saved = 0
    for member in season.members:
        new = member.callback_answers[answers[member.id] :]
        assert all(a.text is not None and a.text.startswith("Saved:") for a in new), new
        saved += len(new)
    assert saved == season.presses
    async with world.sessionmaker() as session:
        ids = {m.id: m.telegram_id for m in (await session.exec(select(Member))).all()}
        stored = {
            (ids[v.member_id], v.option_id): v.answer
            for v in (await session.exec(select(Vote))).all()
        }
    wanted = {(m, o): a for m, votes in season.votes.items() for o, a in votes.items()}
    assert stored == wanted
    assert await broken_invariants(world.sessionmaker) == {}
    backend = world.settings.database_url.split("+")[0]
    figures(
        f"vote burst[{backend}]: {MEMBERS} members, {season.presses} presses at once through "
        f"the bot: {saved} answered 'Saved', {len(stored)} votes as last pressed, 0 errors"
    )
