"""Keeping every member's copy of a poll current, without flooding Telegram.

A vote redraws the voter's own message at once (through the per-chat edit throttle); the other
members' copies are redrawn together, at most every ``interval`` seconds per poll, and less
often the larger the group, so a large poll never needs more edits than Telegram allows.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import InlineKeyboardMarkup

from handlers.context import BotData
from handlers.poll_flow import compact_tally_text, poll_payload
from handlers.sending import markup_from
from handlers.throttle import Render
from storage import groups as group_repo
from storage import members as member_repo
from storage import outbox
from storage import polls as repo

log = logging.getLogger(__name__)
#: Edits per second the refresh of one poll may use on average.
EDITS_PER_SECOND = 5.0


class PollRefresher:
    """Redraws all copies of polls whose tallies changed."""

    def __init__(self, bd: BotData, interval: float = 10.0) -> None:
        self.bd = bd
        self.interval = interval
        self._dirty: set[int] = set()
        self._last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run(), name="poll-refresh")

    async def stop(self) -> None:
        """Stop the loop (pending redraws are dropped: the next vote brings them back)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def mark(self, poll_id: int) -> None:
        """The poll's tally changed."""
        self._dirty.add(poll_id)

    async def flush(self) -> None:
        """Redraw every changed poll now (tests, the sandbox)."""
        for poll_id in sorted(self._dirty):
            await self._refresh(poll_id)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for poll_id in sorted(self._dirty):
                if now - self._last.get(poll_id, 0.0) >= self.interval:
                    try:
                        await self._refresh(poll_id)
                    except Exception:  # keep refreshing other polls; this one is retried
                        log.exception("poll %s: refresh failed", poll_id)

    async def _refresh(self, poll_id: int) -> None:
        self._dirty.discard(poll_id)
        async with self.bd.sessionmaker() as session:
            copies = await outbox.sent_with_prefix(session, prefix=f"p{poll_id}:")
        targets = [(d.chat_id, d.message_ids[0], d.member_id) for d in copies if d.message_ids]
        self._last[poll_id] = time.monotonic()
        # Large groups: spread the redraws so they stay within the edit budget.
        self._last[poll_id] += max(0.0, len(targets) / EDITS_PER_SECOND - self.interval)
        for chat_id, message_id, member_id in targets:
            if member_id is not None:
                self.bd.throttle.request(chat_id, message_id, self._render(poll_id, member_id))
        async with self.bd.sessionmaker() as session:
            tallies = await outbox.sent_with_prefix(session, prefix=f"pt{poll_id}:")
        for delivery in tallies:
            if delivery.message_ids:
                self.bd.throttle.request(
                    delivery.chat_id, delivery.message_ids[0], self._render_tally(poll_id)
                )

    def _render_tally(self, poll_id: int) -> Render:
        async def render() -> tuple[str, InlineKeyboardMarkup | None] | None:
            async with self.bd.sessionmaker() as session:
                poll = await repo.get_poll(session, poll_id=poll_id)
                group = (
                    await group_repo.get_group(session, group_id=poll.group_id) if poll else None
                )
                if poll is None or group is None:
                    return None
                lang = self.bd.translator.get(None)
                return await compact_tally_text(session, self.bd, poll, group, lang), None

        return render

    def _render(self, poll_id: int, member_id: int) -> Render:
        async def render() -> tuple[str, InlineKeyboardMarkup | None] | None:
            async with self.bd.sessionmaker() as session:
                poll = await repo.get_poll(session, poll_id=poll_id)
                member = await member_repo.get_member(session, member_id=member_id)
                if poll is None or member is None:
                    return None
                group = await group_repo.get_group(session, group_id=poll.group_id)
                if group is None:
                    return None
                part = (await poll_payload(session, self.bd, poll, group, member))[0]["params"]
            return part["text"], markup_from(self.bd.throttle.bot, part.get("reply_markup"))

        return render
