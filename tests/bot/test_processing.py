"""The update processor: one person's updates in order, each marked before the next begins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.processing import TrackingUpdateProcessor, slot_released


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, f"U{user_id}", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(update_id, datetime(2026, 11, 24, tzinfo=UTC), chat, from_user=user)
    return Update(update_id, message=message)


def _press(update_id: int, user_id: int) -> Update:
    user = User(user_id, f"U{user_id}", is_bot=False)
    return Update(update_id, callback_query=CallbackQuery(str(update_id), user, "c", data="v"))


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


async def test_a_flood_takes_one_slot_and_is_cut_off_with_one_answer() -> None:
    """Ten updates of one person whose first one hangs: another person's update still runs
    with only two slots, the person's updates beyond the cap are dropped (and marked), and the
    person is told to slow down once, after the updates that were kept. Planted bugs: the
    shared slot taken before the person's turn (python-telegram-bot's own semaphore); no cap."""
    processor = TrackingUpdateProcessor(max_concurrent_updates=2, per_person=3)
    release = asyncio.Event()
    events: list[str] = []
    marked: list[int] = []

    async def after(update: object) -> None:
        assert isinstance(update, Update)
        marked.append(update.update_id)

    async def slow_down(update: Update) -> None:
        events.append(f"slow down {update.update_id}")

    async def handle(update_id: int) -> None:
        if update_id == 1:
            await release.wait()
        events.append(f"handled {update_id}")

    processor.after, processor.slow_down = after, slow_down
    flood = [
        asyncio.create_task(processor.process_update(_update(i, 7), handle(i)))
        for i in range(1, 11)
    ]
    await asyncio.sleep(0.01)
    async with asyncio.timeout(2):
        await processor.process_update(_update(11, 8), handle(11))
    assert events == ["handled 11"]
    release.set()
    await asyncio.gather(*flood)
    assert events == ["handled 11", "handled 1", "handled 2", "handled 3", "slow down 4"]
    assert sorted(marked) == list(range(1, 12))
    assert (processor.dropped, processor.processed, processor.in_progress) == (7, 11, 0)


async def test_waiting_out_a_429_gives_the_slot_to_others() -> None:
    """With one slot, an update that waits out Telegram's retry_after lets another person's
    update run meanwhile, and takes a slot again to go on. Planted bug: ``asyncio.sleep`` in
    GremiumBot's retry without ``slot_released``."""
    processor = TrackingUpdateProcessor(max_concurrent_updates=1)
    retry_after = asyncio.Event()
    events: list[str] = []

    async def waits_out_a_429() -> None:
        events.append("429")
        async with slot_released():
            await retry_after.wait()
        events.append("sent after the wait")

    async def other() -> None:
        events.append("other handled")
        retry_after.set()

    first = asyncio.create_task(processor.process_update(_update(1, 7), waits_out_a_429()))
    await asyncio.sleep(0.01)
    async with asyncio.timeout(2):
        await processor.process_update(_update(2, 8), other())
        await first
    assert events == ["429", "other handled", "sent after the wait"]


async def test_a_member_may_tap_through_a_long_poll() -> None:
    """Twelve presses of one person waiting at once (Yes on every date of a long poll) are all
    handled; only a flood beyond ``presses_per_person`` is cut off. Planted bug: presses held
    to the cap for messages."""
    processor = TrackingUpdateProcessor(presses_per_person=16)
    release = asyncio.Event()
    handled: list[int] = []

    async def slow_down(update: Update) -> None:
        handled.append(-update.update_id)

    async def handle(update_id: int) -> None:
        await release.wait()
        handled.append(update_id)

    processor.slow_down = slow_down
    presses = [
        asyncio.create_task(processor.process_update(_press(i, 7), handle(i)))
        for i in range(1, 21)
    ]
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(*presses)
    assert sorted(u for u in handled if u > 0) == list(range(1, 17))
    assert sorted(-u for u in handled if u < 0) == list(range(17, 21))  # each one answered


async def test_updates_replayed_after_a_restart_are_never_dropped() -> None:
    """Ten unhandled updates of one person, replayed at start, are all handled in order (they
    were accepted before the crash). Planted bug: ``keep`` not consulted."""
    processor = TrackingUpdateProcessor(per_person=2)
    handled: list[int] = []

    async def handle(update_id: int) -> None:
        await asyncio.sleep(0)
        handled.append(update_id)

    processor.keep = lambda update: True
    await asyncio.gather(
        *(processor.process_update(_update(i, 7), handle(i)) for i in range(1, 11))
    )
    assert handled == list(range(1, 11))
    assert processor.dropped == 0
