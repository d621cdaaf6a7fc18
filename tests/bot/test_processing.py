"""The update processor: one person's updates in order, each marked before the next begins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.processing import TrackingUpdateProcessor


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, f"U{user_id}", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(update_id, datetime(2026, 11, 24, tzinfo=UTC), chat, from_user=user)
    return Update(update_id, message=message)


async def test_the_next_update_of_a_person_waits_for_the_mark() -> None:
    """A person's second update starts only after the first is handled and marked, so a replay
    after a crash cannot re-apply an older update after a newer one; others run meanwhile."""
    processor = TrackingUpdateProcessor()
    events: list[str] = []

    async def after(update: object) -> None:
        assert isinstance(update, Update)
        await asyncio.sleep(0.02)  # marking takes a moment (a database write)
        events.append(f"marked {update.update_id}")

    async def handle(update_id: int) -> None:
        events.append(f"start {update_id}")
        await asyncio.sleep(0.01)
        events.append(f"end {update_id}")

    processor.after = after
    await processor.initialize()
    await asyncio.gather(
        processor.process_update(_update(1, 7), handle(1)),
        processor.process_update(_update(2, 7), handle(2)),
        processor.process_update(_update(3, 8), handle(3)),
    )
    await processor.shutdown()
    mine = [e for e in events if e.endswith((" 1", " 2"))]
    assert mine == ["start 1", "end 1", "marked 1", "start 2", "end 2", "marked 2"]
    assert events.index("start 3") < events.index("marked 1")  # someone else is not held up
    assert processor.processed == 3
