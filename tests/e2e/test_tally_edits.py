"""Poll copies kept current without edits that change nothing: Telegram refuses those ("message
is not modified") and counts them against the bot's limits all the same."""

from __future__ import annotations

import random

from sqlmodel import col, select

from handlers.polls.view import load_view, member_view
from storage import groups as group_repo
from storage import polls as poll_repo
from storage.models import Member, Poll
from tests.e2e.harness import World
from tests.e2e.scenario import gather, open_poll, poll_message, vote


def _refused(world: World) -> int:
    """Edits the emulator refused as not modifying the message."""
    return sum(
        1
        for call in world.emu.calls
        if call.method == "editMessageText"
        and not call.ok
        and "not modified" in str((call.response or {}).get("description", ""))
    )


def _edits(world: World) -> int:
    return sum(1 for call in world.emu.calls if call.method == "editMessageText" and call.ok)


async def test_no_edit_leaves_a_copy_as_it_was(world: World) -> None:
    """Votes, then refresh passes again and again: every copy shows its member's answers and
    the final tally, a pass over copies that are current sends no edit, and Telegram never
    answers "message is not modified".

    Planted bug it catches: the throttle forgetting what each copy shows (every pass edits
    every copy; each edit of a current copy is refused as not modified)."""
    season = await gather(world, 6)
    options = await open_poll(world, season)
    await vote(world, season, options, random.Random(4))
    bd = world.app.bot_data
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
        assert poll is not None and poll.id is not None
    for _ in range(3):  # passes with nothing new: they must not edit anything
        bd.refresher.mark(poll.id)
        await bd.refresher.flush()
        await bd.throttle.flush()
    settled = _edits(world)
    bd.refresher.mark(poll.id)
    await bd.refresher.flush()
    await bd.throttle.flush()
    assert _edits(world) == settled

    async with world.sessionmaker() as session:
        group = await group_repo.get_group(session, group_id=poll.group_id)
        assert group is not None
        view = await load_view(session, poll, group)
        members = {m.telegram_id: m for m in (await session.exec(select(Member))).all()}
        for user in season.members:
            member = members[user.id]
            assert member.id is not None
            mine = await poll_repo.answers_of(session, poll_id=poll.id, member_id=member.id)
            text, _ = member_view(bd, view, member.language, mine, reminder=False)
            copy = next(m for m in user.bot_messages if m.message_id == poll_message(user))
            assert copy.html == text  # the member's answers and the final tally
    assert _refused(world) == 0
    assert bd.throttle.not_modified == 0
