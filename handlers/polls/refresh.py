"""Keeping every member's copy of a poll current, without flooding Telegram.

A vote redraws the voter's own message at once (through the per-chat edit throttle); the other
members' copies are redrawn in passes, at most one pass every ``interval`` seconds per poll.
A pass draws every copy from one load of the poll and its votes, and asks for an edit only
where the copy would change (the throttle remembers what each copy shows), at most
:data:`EDITS_PER_SECOND` a second; the throttle keeps all edits together within Telegram's
limits. After a vote storm the copies that still show an old tally are all that a pass edits,
so every copy shows the final tally within a pass or two.

What all copies show alike (dates, tallies, how many answered) is loaded once and shared by the
redraws of the next :data:`VIEW_AGE` seconds; only each member's own answers are read per copy.
A pass of the refresher always starts from a fresh view, and every vote asks for another
pass, so the last vote is in every copy once the pass after it is done.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import InlineKeyboardMarkup

from handlers.polls.shared_load import share_load
from handlers.polls.view import PollView, compact_tally_of, load_view, member_view
from handlers.services import Services
from runtime.throttle import EditThrottle, Render
from storage import groups as group_repo
from storage import members as member_repo
from storage import outbox
from storage import polls as repo
from storage.models import PollStatus

log = logging.getLogger(__name__)
#: Edits per second a pass over one poll's copies asks for at most.
EDITS_PER_SECOND = 20.0
#: Seconds a poll's shared view is reused by the redraws that follow a vote.
VIEW_AGE = 2.0
#: Seconds the chat and message of a poll's tally in the group chat are remembered.
TALLY_TARGET_AGE = 10.0


class PollRefresher:
    """Redraws all copies of polls whose tallies changed."""

    def __init__(self, bd: Services, throttle: EditThrottle, interval: float = 10.0) -> None:
        self.bd = bd
        self.throttle = throttle
        self.interval = interval
        self._dirty: set[int] = set()
        self._last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._views: dict[int, tuple[float, PollView]] = {}
        self._loading: dict[int, asyncio.Future[PollView | None]] = {}
        self._tally_targets: dict[int, tuple[float, tuple[int, int] | None]] = {}
        self._tally_loading: dict[int, asyncio.Future[tuple[int, int] | None]] = {}
        self._passes: dict[int, asyncio.Task[None]] = {}
        #: (poll, member) -> when and what their latest vote left as their answers.
        self._answers: dict[tuple[int, int], tuple[float, dict[int, str]]] = {}

    def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run(), name="poll-refresh")

    async def stop(self) -> None:
        """Stop the loop (pending redraws are dropped: the next vote brings them back)."""
        tasks = [t for t in [self._task, *self._passes.values()] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._passes.clear()

    def mark(self, poll_id: int) -> None:
        """The poll's tally changed."""
        self._dirty.add(poll_id)

    async def flush(self) -> None:
        """Redraw every changed poll now, without pacing (tests, the sandbox)."""
        await asyncio.gather(*self._passes.values(), return_exceptions=True)
        for poll_id in sorted(self._dirty):
            await self._refresh(poll_id, paced=False)

    def redraw_copy(
        self,
        chat_id: int,
        message_id: int,
        poll_id: int,
        member_id: int,
        *,
        voted: bool = False,
        language: str | None = None,
        answers: dict[int, str] | None = None,
    ) -> None:
        """Redraw one member's copy of a poll soon (throttled per chat). ``voted``: the member
        just voted and may tap more answers, so the edit waits a moment for them; with
        ``answers`` (all of theirs, as just written) and their ``language`` the copy is drawn
        without reading them."""
        key = (poll_id, member_id)
        if voted and answers is not None:
            self._answers[key] = (time.monotonic(), answers)
            render = self._render_known(poll_id, member_id, language)
        else:
            self._answers.pop(key, None)  # read them when drawing
            render = self._render(poll_id, member_id)
        self.throttle.request(chat_id, message_id, render, settle=voted)

    async def redraw_tally(self, poll_id: int) -> None:
        """Redraw the compact tally in the group's linked chat soon, if it was posted."""
        target = await self._tally_target(poll_id)
        if target is not None:
            self.throttle.request(*target, self._render_tally(poll_id))

    async def view(self, poll_id: int, *, max_age: float = VIEW_AGE) -> PollView | None:
        """The poll's shared view, reused while younger than ``max_age`` seconds; redraws
        that ask at once share one load. ``max_age=0`` always loads anew (a load already
        under way may have started before the latest vote)."""
        cached = self._views.get(poll_id)
        if cached is not None and time.monotonic() - cached[0] <= max_age:
            return cached[1]
        if max_age > 0 and (loading := self._loading.get(poll_id)) is not None:
            return await asyncio.shield(loading)
        started = time.monotonic()
        view = await share_load(self._loading, poll_id, lambda: self._load(poll_id))
        if view is None:
            self._views.pop(poll_id, None)
        elif started >= self._views.get(poll_id, (-1.0, None))[0]:  # keep the newest
            self._views[poll_id] = (started, view)
        return view

    async def _load(self, poll_id: int) -> PollView | None:
        async with self.bd.sessionmaker() as session:
            poll = await repo.get_poll(session, poll_id=poll_id)
            group = await group_repo.get_group(session, group_id=poll.group_id) if poll else None
            if poll is None or group is None:
                return None
            return await load_view(session, poll, group)

    async def _tally_target(self, poll_id: int) -> tuple[int, int] | None:
        """The group chat and message of the poll's compact tally, if it was sent."""
        cached = self._tally_targets.get(poll_id)
        if cached is not None and time.monotonic() - cached[0] <= TALLY_TARGET_AGE:
            return cached[1]
        if (loading := self._tally_loading.get(poll_id)) is not None:
            return await asyncio.shield(loading)  # votes that find it stale share one look-up
        target = await share_load(
            self._tally_loading, poll_id, lambda: self._load_tally_target(poll_id)
        )
        self._tally_targets[poll_id] = (time.monotonic(), target)
        return target

    async def _load_tally_target(self, poll_id: int) -> tuple[int, int] | None:
        target: tuple[int, int] | None = None
        async with self.bd.sessionmaker() as session:
            poll = await repo.get_poll(session, poll_id=poll_id)
            group = await group_repo.get_group(session, group_id=poll.group_id) if poll else None
            if poll is not None and group is not None and group.chat_id is not None:
                sent = await outbox.find(session, dedupe_key=f"pt{poll_id}:{group.chat_id}")
                if sent is not None and sent.message_ids:
                    target = (group.chat_id, sent.message_ids[0])
        return target

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            self._forget(now)
            for poll_id in sorted(self._dirty):
                if poll_id in self._passes:
                    continue
                if now - self._last.get(poll_id, 0.0) >= self.interval:
                    self._passes[poll_id] = asyncio.create_task(
                        self._pass(poll_id), name=f"poll-refresh-{poll_id}"
                    )

    async def _pass(self, poll_id: int) -> None:
        try:
            await self._refresh(poll_id, paced=True)
        except Exception:  # keep refreshing other polls; this one is retried
            self._dirty.add(poll_id)
            log.exception("poll %s: refresh failed", poll_id)
        finally:
            self._last[poll_id] = time.monotonic()
            self._passes.pop(poll_id, None)

    def _forget(self, now: float) -> None:
        """Drop views and tally targets nobody asked for lately (memory stays flat)."""
        stale_views = [p for p, (at, _) in self._views.items() if now - at > 10 * VIEW_AGE]
        for poll_id in stale_views:
            del self._views[poll_id]
        stale = [p for p, (at, _) in self._tally_targets.items() if now - at > TALLY_TARGET_AGE]
        for poll_id in stale:
            del self._tally_targets[poll_id]
        old = [k for k, (at, _) in self._answers.items() if now - at > TALLY_TARGET_AGE]
        for key in old:
            del self._answers[key]

    async def _refresh(self, poll_id: int, *, paced: bool) -> None:
        self._dirty.discard(poll_id)
        view = await self.view(poll_id, max_age=0.0)  # this pass starts from the database
        async with self.bd.sessionmaker() as session:
            tallies = await outbox.sent_with_prefix(session, prefix=f"pt{poll_id}:")
            copies = await outbox.sent_with_prefix(session, prefix=f"p{poll_id}:")
            # Once the poll is closed, the reminders lose their vote buttons too.
            ended = view is not None and view.poll.status != PollStatus.OPEN
            reminders = (
                await outbox.sent_with_prefix(session, prefix=f"pr{poll_id}:") if ended else []
            )
            states = await repo.copy_states(
                session, poll_id=poll_id, member_ids=[d.member_id for d in copies if d.member_id]
            )
        throttle = self.throttle
        for delivery in tallies:
            if delivery.message_ids:
                throttle.request(
                    delivery.chat_id, delivery.message_ids[0], self._render_tally(poll_id)
                )
        for d in reminders:
            if d.message_ids and d.member_id is not None:
                render = self._render(poll_id, d.member_id, reminder=True)
                throttle.request(d.chat_id, d.message_ids[0], render)
        asked = 0
        for d in copies:
            if not d.message_ids or d.member_id is None or d.member_id not in states:
                continue
            chat_id, message_id = d.chat_id, d.message_ids[0]
            _seed(throttle, chat_id, message_id, d.payload)
            language, answers = states[d.member_id]
            if view is not None and throttle.shows(
                chat_id, message_id, *member_view(self.bd, view, language, answers, reminder=False)
            ):
                continue  # this copy is current: no edit, and no time spent on it
            if paced and asked:
                await asyncio.sleep(1 / EDITS_PER_SECOND)
            asked += 1
            self.redraw_copy(chat_id, message_id, poll_id, d.member_id)

    def _render_tally(self, poll_id: int) -> Render:
        async def render() -> tuple[str, InlineKeyboardMarkup | None] | None:
            view = await self.view(poll_id)
            if view is None:
                return None
            return compact_tally_of(self.bd, view, self.bd.translator.get(None)), None

        return render

    def _render_known(self, poll_id: int, member_id: int, language: str | None) -> Render:
        """A voter's copy, drawn from the answers their latest vote left (as the ballot box
        read them back); without those, from the database."""

        async def render() -> tuple[str, InlineKeyboardMarkup | None] | None:
            known = self._answers.get((poll_id, member_id))
            if known is None:
                return await self._render(poll_id, member_id)()
            view = await self.view(poll_id)
            if view is None:
                return None
            return member_view(self.bd, view, language, known[1], reminder=False)

        return render

    def _render(self, poll_id: int, member_id: int, *, reminder: bool = False) -> Render:
        async def render() -> tuple[str, InlineKeyboardMarkup | None] | None:
            view = await self.view(poll_id)
            if view is None:
                return None
            async with self.bd.sessionmaker() as session:
                member = await member_repo.get_member(session, member_id=member_id)
                if member is None:
                    return None
                mine = await repo.answers_of(session, poll_id=poll_id, member_id=member_id)
            return member_view(self.bd, view, member.language, mine, reminder=reminder)

        return render


def _seed(throttle: EditThrottle, chat_id: int, message_id: int, payload: list[Any]) -> None:
    """Tell the throttle what the copy showed when it was sent (its first part)."""
    params = payload[0].get("params", {}) if payload else {}
    if isinstance(params.get("text"), str):
        throttle.seen(chat_id, message_id, params["text"], params.get("reply_markup"))
