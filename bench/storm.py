"""The storm of presses both vote scenarios make, and what it did to the tally messages.

Presses are driven in a closed loop: ``CONCURRENCY`` members press at the same time, each
pressing their next button once the previous press was answered, and a member who is done
makes room for the next. Latency is from the press (the update entering the emulator's queue)
to the emulator recording the answer.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.poll_setup import GROUP_CHAT, Plan
from sandbox.emulator import Emulator

#: Members pressing at the same moment.
CONCURRENCY = 64
#: A press not answered within this many seconds counts as unanswered (Telegram gives up
#: on a callback query after about 15 s).
GIVE_UP = 20.0


@dataclass
class Storm:
    """The presses of one run and when each was made."""

    pressed: dict[str, datetime] = field(default_factory=dict)  # query id -> press time
    unanswered: int = 0
    began: float = 0.0
    ended: float = 0.0

    def latencies(self, emu: Emulator) -> list[float]:
        """Seconds from each press to its answer (the emulator's record of answerCallbackQuery);
        infinite for a press never answered."""
        answered: dict[str, datetime] = {}
        for call in emu.calls:
            if call.method == "answerCallbackQuery" and call.ok:
                answered[str(call.params["callback_query_id"])] = call.at
        return [
            (answered[q] - at).total_seconds() if q in answered else math.inf
            for q, at in self.pressed.items()
        ]

    @property
    def per_second(self) -> float:
        """Presses answered per second of the storm."""
        return (len(self.pressed) - self.unanswered) / (self.ended - self.began)


async def press_all(emu: Emulator, plans: Sequence[Plan], seconds: float) -> Storm:
    """Each ``(user id, message id, [callback data ...])`` presses its buttons one after the
    other, ``CONCURRENCY`` members at a time; no member starts after ``seconds``."""
    storm = Storm()
    waiting: dict[str, asyncio.Future[None]] = {}
    callbacks = emu.core.world.callbacks

    async def watch() -> None:  # one watcher for all presses: answered queries resolve
        while True:
            for query_id, future in list(waiting.items()):
                if callbacks[query_id].answered:
                    del waiting[query_id]
                    future.set_result(None)
            await asyncio.sleep(0.002)

    todo = list(reversed(plans))

    async def member() -> None:
        loop = asyncio.get_running_loop()
        while todo and time.monotonic() - storm.began < seconds:
            user_id, message_id, presses = todo.pop()
            user = emu.get_user(user_id)
            for data in presses:
                storm.pressed[query_id := await user.press(data, message=message_id)] = (
                    datetime.now(UTC)
                )
                waiting[query_id] = future = loop.create_future()
                try:
                    await asyncio.wait_for(future, GIVE_UP)
                except TimeoutError:
                    waiting.pop(query_id, None)
                    storm.unanswered += 1

    watcher = asyncio.create_task(watch())
    storm.began = time.monotonic()
    await asyncio.gather(*(member() for _ in range(CONCURRENCY)))
    storm.ended = time.monotonic()
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    return storm


@dataclass(frozen=True)
class Edits:
    """Edits of tally messages: how many per chat, and the closest two in any chat."""

    total: int
    chats: int
    group_chat: int
    closest: float  # seconds between the two closest edits of one chat (inf: none)
    too_close: int  # chats with two edits closer than the interval

    @classmethod
    def of(cls, emu: Emulator, since: int, interval: float) -> Edits:
        """Count the successful editMessageText calls recorded from index ``since``."""
        times: dict[int, list[datetime]] = defaultdict(list)
        for call in emu.calls[since:]:
            if call.method == "editMessageText" and call.ok:
                times[int(call.params["chat_id"])].append(call.at)
        closest, too_close = float("inf"), 0
        for stamps in times.values():
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
            if gaps:
                closest = min(closest, min(gaps))
                too_close += min(gaps) < interval - 0.01
        total = sum(len(t) for t in times.values())
        return cls(total, len(times), len(times.get(GROUP_CHAT, [])), closest, too_close)
