"""The inbox of updates: stored once, handled once, pruned, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import FakeClock
from storage import inbox
from storage.db import SessionMaker
from storage.models import InboundUpdate


async def test_an_update_is_stored_once(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """The first store of an update_id keeps it; a repeat is recognised and changes nothing."""
    payload = {"update_id": 7, "message": {"text": "/join bildung"}}
    async with sessionmaker.begin() as session:
        assert await inbox.store(session, update_id=7, payload=payload, now=clock.now())
    clock.advance(timedelta(minutes=1))
    async with sessionmaker.begin() as session:
        assert not await inbox.store(session, update_id=7, payload={"other": 1}, now=clock.now())
    async with sessionmaker() as session:
        row = await session.get(InboundUpdate, 7)
    assert row is not None
    assert row.payload == payload
    assert row.received_at == clock.now() - timedelta(minutes=1)


async def test_handled_updates_lose_their_content(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Marking an update handled drops its content and takes it off the unhandled list."""
    async with sessionmaker.begin() as session:
        for update_id in (3, 1, 2):
            await inbox.store(
                session, update_id=update_id, payload={"update_id": update_id}, now=clock.now()
            )
        await inbox.mark_handled(session, update_id=2, now=clock.now())
        await inbox.count_replay(session, update_id=3)
    async with sessionmaker() as session:
        unhandled = await inbox.list_unhandled(session)
        handled = await session.get(InboundUpdate, 2)
    assert [(u.update_id, u.replays) for u in unhandled] == [(1, 0), (3, 1)]
    assert handled is not None
    assert handled.payload is None
    assert handled.handled_at == clock.now()


async def test_prune_forgets_old_updates(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """Pruning deletes what arrived before the cut-off and keeps the rest."""
    async with sessionmaker.begin() as session:
        await inbox.store(session, update_id=1, payload={}, now=clock.now())
        clock.advance(timedelta(days=4))
        await inbox.store(session, update_id=2, payload={}, now=clock.now())
    async with sessionmaker.begin() as session:
        gone = await inbox.prune(session, before=clock.now() - timedelta(days=3))
    async with sessionmaker() as session:
        left = await inbox.list_unhandled(session)
    assert gone == 1
    assert [u.update_id for u in left] == [2]


async def test_a_batch_of_updates_is_stored_and_marked_together(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """``store_many`` keeps new updates and names them; ids stored before are repeats and keep
    their first content. ``mark_many_handled`` marks several at once."""
    async with sessionmaker.begin() as session:
        await inbox.store(session, update_id=5, payload={"first": True}, now=clock.now())
    async with sessionmaker.begin() as session:
        new = await inbox.store_many(
            session,
            updates=[(5, {"again": True}), (6, {"u": 6}), (7, {"u": 7})],
            now=clock.now(),
        )
        assert await inbox.store_many(session, updates=[], now=clock.now()) == set()
    assert new == {6, 7}
    async with sessionmaker.begin() as session:
        await inbox.mark_many_handled(session, update_ids=[5, 7], now=clock.now())
    async with sessionmaker() as session:
        unhandled = await inbox.list_unhandled(session)
        first = await session.get(InboundUpdate, 5)
    assert [(u.update_id, u.payload) for u in unhandled] == [(6, {"u": 6})]
    assert first is not None and first.payload is None and first.handled_at == clock.now()
