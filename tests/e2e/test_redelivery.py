"""Updates delivered twice: the same update_id again changes nothing; one in hand at a crash is
handled after the restart."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlmodel import select

from domain.clock import FakeClock
from storage import inbox
from storage.db import SessionMaker
from storage.models import InboundUpdate, Membership
from tests.e2e.checks import broken_invariants, chat_state, database_state
from tests.e2e.harness import World, restart, start_bot, stop_bot
from tests.e2e.helpers import group_id
from tests.e2e.scenario import announce, gather, open_poll, vote
from tests.e2e.test_webhook import webhook_bot


async def _season(world: World) -> None:
    """Consent, joins, a coordinator, an announcement, a poll and votes: every kind of update."""
    season = await gather(world, 3)
    await announce(world, season, "Treffen im Rathaus")
    options = await open_poll(world, season)
    await vote(world, season, options, random.Random(8))


def _answers(world: World) -> list[int]:
    return [len(user.callback_answers) for user in world.emu.users]


async def test_every_update_delivered_again_changes_nothing(
    world: World, figures: Callable[[str], None]
) -> None:
    """Each update of a whole season delivered a second time, then a third time after a
    restart: no row, message, edit or button answer changes."""
    await _season(world)
    delivered = sorted(world.emu.core.queue.history)
    state, chats = await database_state(world.sessionmaker), chat_state(world.emu)
    answers = _answers(world)

    for update_id in delivered:
        world.emu.deliver_again(update_id)
    await world.settle()
    assert world.duplicates == len(delivered)
    assert await database_state(world.sessionmaker) == state
    assert chat_state(world.emu) == chats
    assert _answers(world) == answers

    await restart(world)  # a restarted bot still knows what it handled
    for update_id in delivered:
        world.emu.deliver_again(update_id)
    await world.settle()
    assert await database_state(world.sessionmaker) == state
    assert chat_state(world.emu) == chats
    assert _answers(world) == answers
    assert await broken_invariants(world.sessionmaker) == {}
    figures(
        f"redelivery (polling): {len(delivered)} updates delivered again, and again after a "
        "restart: 0 changes"
    )


async def test_an_update_in_hand_at_a_crash_is_handled_after_the_restart(world: World) -> None:
    """An update stored and confirmed to Telegram, but not handled when the process died, is
    handled at the next start, once."""
    season = await gather(world, 1)
    member = season.members[0]
    await world.settle()
    world.handled_before += world.processor.processed + world.duplicates
    await stop_bot(world.app)

    # What the dead process got: the update is in the inbox and Telegram considers it delivered.
    await member.send("/join kultur")
    update_id = max(world.emu.core.queue.history)
    async with world.sessionmaker.begin() as session:
        await inbox.store(
            session,
            update_id=update_id,
            payload=world.emu.core.queue.history[update_id],
            now=world.clock.now(),
        )
    world.emu.core.queue.confirm(update_id + 1)

    world.app, world.processor = await start_bot(world.settings, world.sessionmaker, world.clock)
    await world.settle()
    assert "Kultur" in member.last.text
    kultur = await group_id(world, "kultur")
    async with world.sessionmaker() as session:
        joined = (
            await session.exec(select(Membership).where(Membership.group_id == kultur))
        ).all()
        row = await session.get(InboundUpdate, update_id)
    assert len(joined) == 1
    assert row is not None and row.handled_at is not None and row.replays == 1
    assert await broken_invariants(world.sessionmaker) == {}


async def test_a_webhook_retry_changes_nothing(
    database_url: str,
    sessionmaker: SessionMaker,
    clock: FakeClock,
    figures: Callable[[str], None],
) -> None:
    """Webhook mode: Telegram posts every update of a season a second time (as after a timeout
    of the first post); the server answers 200 and nothing changes."""
    async with webhook_bot(database_url, sessionmaker, clock) as world:
        await _season(world)
        delivered = sorted(world.emu.core.queue.history)
        state, chats = await database_state(world.sessionmaker), chat_state(world.emu)
        answers = _answers(world)
        posts = len(world.emu.webhook.posts)

        for update_id in delivered:
            world.emu.deliver_again(update_id)
        await world.settle()

        again = world.emu.webhook.posts[posts:]
        assert sorted(update_id for update_id, _ in again) == delivered
        assert all(status == 200 for _, status in again)
        assert world.duplicates == len(delivered)
        assert await database_state(world.sessionmaker) == state
        assert chat_state(world.emu) == chats
        assert _answers(world) == answers
        assert await broken_invariants(world.sessionmaker) == {}
    figures(f"redelivery (webhook): {len(delivered)} updates posted again, 0 changes")
