"""The inbox queue: stores before queueing, drops repeats, replays what a crash left behind."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Bot, Chat, Message, Update, User

from bot.inbox import MAX_REPLAYS, InboxQueue
from domain.clock import FakeClock
from storage import inbox
from storage.db import SessionMaker
from storage.models import InboundUpdate

BOT = Bot("123456:TEST-TOKEN")


def _update(update_id: int, text: str = "/help") -> Update:
    user = User(42, "Ana", is_bot=False)
    message = Message(
        update_id,
        datetime(2026, 11, 24, tzinfo=UTC),
        Chat(42, Chat.PRIVATE),
        from_user=user,
        text=text,
    )
    return Update(update_id, message=message)


async def test_an_update_is_queued_once(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """The first put stores and queues the update; a repeat is counted and dropped."""
    queue = InboxQueue(sessionmaker, clock)
    await queue.put(_update(1))
    await queue.put(_update(1))
    await queue.put("not an update")  # e.g. the application's stop signal: passed through
    assert queue.qsize() == 2
    assert queue.duplicates == 1
    async with sessionmaker() as session:
        assert [u.update_id for u in await inbox.list_unhandled(session)] == [1]


async def test_replay_hands_over_what_was_not_handled(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """After a crash: unhandled updates come back in order; handled ones do not."""
    before = InboxQueue(sessionmaker, clock)
    for update_id in (5, 3, 4):
        await before.put(_update(update_id, f"/join {update_id}"))
    await before.handled(_update(4))

    after = InboxQueue(sessionmaker, clock)
    assert await after.replay(BOT) == 2
    replayed = [after.get_nowait(), after.get_nowait()]
    assert [u.update_id for u in replayed if isinstance(u, Update)] == [3, 5]
    assert replayed[0].message.text == "/join 3"  # type: ignore[union-attr]


async def test_an_update_the_process_keeps_dying_on_is_given_up(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Replayed MAX_REPLAYS times without being handled, or unreadable: marked, not queued."""
    async with sessionmaker.begin() as session:
        await inbox.store(session, update_id=7, payload=_update(7).to_dict(), now=clock.now())
        await inbox.store(session, update_id=8, payload={"unknown": 1}, now=clock.now())
    assert await InboxQueue(sessionmaker, clock).replay(BOT) == 1  # 8 cannot be read back
    for _ in range(MAX_REPLAYS - 1):
        await InboxQueue(sessionmaker, clock).replay(BOT)
    last = InboxQueue(sessionmaker, clock)
    assert await last.replay(BOT) == 0
    async with sessionmaker() as session:
        rows = [await session.get(InboundUpdate, i) for i in (7, 8)]
    assert all(row is not None and row.handled_at is not None for row in rows)
