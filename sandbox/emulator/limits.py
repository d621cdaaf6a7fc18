"""Telegram's flood limits for sending messages, enforced when ``Emulator.enforce_limits`` is on.

About 30 messages per second overall (1000 with ``allow_paid_broadcast``), one per second per
private chat with a short burst allowed, 20 per minute per group. A refused send gets 429 with the
seconds to wait. Time is real (monotonic) time, since the bot really waits.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

SENDING_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto", "copymessage"})


class RateLimiter:
    """Sliding windows per scope; ``check`` records a send or returns the retry_after."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self.overall = 30
        self.paid_overall = 1000
        self.private_burst = 3
        self.private_per_second = 1.0
        self.group_per_minute = 20
        self._overall: deque[float] = deque()
        self._private: dict[int, tuple[float, float]] = {}
        self._groups: dict[int, deque[float]] = {}

    def reset(self) -> None:
        """Forget all recorded sends."""
        self._overall.clear()
        self._private.clear()
        self._groups.clear()

    def check(self, chat_id: int, private: bool, paid: bool) -> int | None:
        """None if the send may go now (and record it), else seconds to wait."""
        now = self.monotonic()
        window = self._overall
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= (self.paid_overall if paid else self.overall):
            return max(1, math.ceil(window[0] + 1.0 - now))
        wait = self._private_wait(chat_id, now) if private else self._group_wait(chat_id, now)
        if wait is not None:
            return wait
        window.append(now)
        return None

    def _private_wait(self, chat_id: int, now: float) -> int | None:
        tokens, last = self._private.get(chat_id, (float(self.private_burst), now))
        tokens = min(float(self.private_burst), tokens + (now - last) * self.private_per_second)
        if tokens < 1.0:
            self._private[chat_id] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.private_per_second))
        self._private[chat_id] = (tokens - 1.0, now)
        return None

    def _group_wait(self, chat_id: int, now: float) -> int | None:
        window = self._groups.setdefault(chat_id, deque())
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= self.group_per_minute:
            return max(1, math.ceil(window[0] + 60.0 - now))
        window.append(now)
        return None
