"""Outbox policy: how fast to send, when to retry, when not to wake people, how to split text.

Everything takes ``now`` explicitly; nothing here sleeps or sends.
"""

from __future__ import annotations

import hashlib
from bisect import insort
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.localtime import BERLIN, local_now, require_aware, to_utc_forward

# The HTML splitter lives in its own module; it is part of this policy's public face.
from domain.splitting import TELEGRAM_LIMIT, split_message, visible_length

__all__ = [
    "TELEGRAM_LIMIT",
    "Limits",
    "RateLimiter",
    "backoff",
    "quiet_hours_release",
    "split_message",
    "visible_length",
]


@dataclass(frozen=True)
class Limits:
    """Telegram's broadcast limits, with headroom: overall, per private chat, per group."""

    global_per_second: int = 25
    private_interval: timedelta = timedelta(seconds=1)
    group_per_minute: int = 20


class RateLimiter:
    """Sliding-window bookkeeping of sends; asks and answers in explicit time."""

    _PRUNE_EVERY = 512

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._global: list[datetime] = []
        self._private: dict[int, datetime] = {}
        self._groups: dict[int, list[datetime]] = {}
        self._records = 0

    def next_allowed(self, chat_id: int, is_group: bool, now: datetime) -> datetime:
        """The earliest instant, not before ``now``, at which a message to ``chat_id`` may go."""
        require_aware(now, "now")
        limits = self.limits
        earliest = now
        per_second = limits.global_per_second
        if len(self._global) >= per_second:
            earliest = max(earliest, self._global[-per_second] + timedelta(seconds=1))
        # Evenly spread: at most a tenth of the rate per tenth of a second. A second's worth
        # sent at once reaches Telegram spread out by the network, overlaps the next second's
        # and is answered with 429 (which also delays the bot's replies).
        burst = max(1, per_second // 10)
        if len(self._global) >= burst:
            spacing = timedelta(seconds=burst / per_second)
            earliest = max(earliest, self._global[-burst] + spacing)
        if is_group:
            sent = self._groups.get(chat_id, [])
            if len(sent) >= limits.group_per_minute:
                earliest = max(earliest, sent[-limits.group_per_minute] + timedelta(minutes=1))
        elif (last := self._private.get(chat_id)) is not None:
            earliest = max(earliest, last + limits.private_interval)
        return earliest

    def record(self, chat_id: int, is_group: bool, at: datetime) -> None:
        """Note that a message to ``chat_id`` went out at ``at``."""
        require_aware(at, "at")
        self._keep(self._global, at, self.limits.global_per_second)
        if is_group:
            self._keep(self._groups.setdefault(chat_id, []), at, self.limits.group_per_minute)
        else:
            self._private[chat_id] = max(at, self._private.get(chat_id, at))
        self._records += 1
        if self._records % self._PRUNE_EVERY == 0:
            self.prune(at)

    def prune(self, now: datetime) -> None:
        """Forget chats whose sends no longer limit anything at ``now``."""
        self._private = {
            chat: last
            for chat, last in self._private.items()
            if last + self.limits.private_interval > now
        }
        self._groups = {
            chat: sent
            for chat, sent in self._groups.items()
            if sent[-1] + timedelta(minutes=1) > now
        }

    @staticmethod
    def _keep(sent: list[datetime], at: datetime, size: int) -> None:
        insort(sent, at)
        del sent[:-size]


def backoff(
    attempt: int,
    *,
    key: str | int = "",
    base: timedelta = timedelta(seconds=2),
    cap: timedelta = timedelta(minutes=30),
    retry_after: timedelta | None = None,
) -> timedelta:
    """How long to wait before retry number ``attempt`` (1, 2, …) of the job ``key``.

    Doubles from ``base`` up to ``cap``, then takes a deterministic share between half and all
    of it, derived from ``key`` and ``attempt`` so that retries of different messages spread
    out but a test can predict them. Never less than Telegram's ``retry_after``.
    """
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** min(attempt - 1, 62))
    digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
    share = int.from_bytes(digest[:8], "big") / 2**64
    delay = timedelta(seconds=ceiling * (0.5 + share / 2))
    return max(delay, retry_after) if retry_after is not None else delay


def quiet_hours_release(
    now: datetime, tz: ZoneInfo = BERLIN, start: time = time(21), end: time = time(8)
) -> datetime:
    """When a proactive message may go out: ``now``, or the end of the quiet hours it is in.

    Quiet hours run from ``start`` to ``end`` local time and may cross midnight; equal bounds
    mean none. The release is in UTC; if ``end`` does not exist that day (DST gap) the release
    moves forward by the gap, if it occurs twice the first occurrence counts.
    """
    local = local_now(now, tz)
    at = local.time().replace(tzinfo=None, fold=0)
    if start == end:
        return now
    quiet = (start <= at or at < end) if start > end else (start <= at < end)
    if not quiet:
        return now
    day = local.date() + timedelta(days=0 if at < end else 1)
    return max(now, to_utc_forward(day, end, tz))
