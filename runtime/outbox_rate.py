"""Pacing of the outbox: the rate limiter's slots and Telegram's pause after a 429."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from domain.delivery import RateLimiter


class RateGate:
    """Lets each send start only when the rate limiter and Telegram's last pause allow it."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram asked for a pause: no send starts before it is over."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    async def wait(self, chat_id: int) -> None:
        """Wait for the next slot of the chat, then record the send at that slot."""
        is_group = chat_id < 0
        slot: datetime | None = None  # the instant waited for
        while True:
            pause = self.paused_until - time.monotonic()
            now = _mono_now()
            allowed = self.limiter.next_allowed(chat_id, is_group, now)
            wait = max((allowed - now).total_seconds(), pause)
            if wait <= 0:
                # The send counts at its slot, not at the moment this task woke up: the small
                # delays of each wake-up would otherwise add up over a long broadcast.
                at = now if slot is None else self.limiter.next_allowed(chat_id, is_group, slot)
                self.limiter.record(chat_id, is_group, min(at, now))
                return
            slot = allowed if pause <= 0 else None  # after Telegram's pause: from now on
            await asyncio.sleep(wait)


def _mono_now() -> datetime:
    """Monotonic time as an aware datetime, for the rate limiter's arithmetic."""
    return datetime.fromtimestamp(time.monotonic(), UTC)
