"""The application's update queue, kept in the database until each update is handled.

Telegram forgets an update once the bot has confirmed it: by asking getUpdates for a later
offset, or by answering the webhook request with 200. python-telegram-bot confirms polled
updates with its very next request, long before the handlers are done, so a crash would lose
every update in hand. Here ``put`` stores the update in the ``inbound_update`` table before it
returns, and both the updater and the webhook server call ``put`` before they confirm. When
polling, the bot hands each batch from getUpdates to :meth:`InboxQueue.receive` first, which
stores the whole batch in one statement; ``put`` then only queues what is already stored. After
the handlers are done, the update processor marks it handled; marks that come in together are
written in one statement, and each ``handled`` returns once its mark is written. At the next
start, what arrived but was never handled is handed to the handlers again, in its order, so
nothing is lost; only an update in hand at the crash can be handled twice (after its work was
committed but before it was marked), and the handlers are idempotent for that (upserts, state
transitions that check the state they come from, outbox rows unique per recipient).

The same table recognises an update Telegram delivers again (polling after a restart, a
webhook retry after a timeout): a second ``put`` of a stored update_id is dropped, so it
changes nothing. Ids are kept for a few days; Telegram numbers updates afresh only after a
week without any.

Note for several instances behind one webhook: ``replay`` at start takes every unhandled
update, also those another live instance has in hand at that moment; those are handled twice
(idempotently, as above).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update

from domain.clock import Clock
from storage import inbox
from storage.db import SessionMaker

log = logging.getLogger(__name__)

#: How long the ids of handled updates are kept to recognise repeats.
KEEP = timedelta(days=3)
#: An update the process died on this often is given up (it may be what kills it).
MAX_REPLAYS = 3
PRUNE_EVERY = 3600.0


class InboxQueue(asyncio.Queue[object]):
    """An asyncio queue whose ``put`` first stores an update, and drops one seen before."""

    def __init__(self, sessionmaker: SessionMaker, clock: Clock) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.clock = clock
        #: Updates delivered again and dropped (tests and the benchmark read this).
        self.duplicates = 0
        #: Updates handed to the handlers again after a restart.
        self.replayed = 0
        self._pruned_at: float | None = None
        #: Ids :meth:`receive` stored (True) or found stored before (False), until ``put``.
        self._received: dict[int, bool] = {}
        #: Ids of updates :meth:`replay` queued and the processor has not seen yet.
        self._replaying: set[int] = set()
        self._marks: list[tuple[int, asyncio.Future[None]]] = []
        self._marking: asyncio.Task[None] | None = None

    async def receive(
        self, updates: Sequence[Update], sent: Mapping[int, dict[str, Any]] | None = None
    ) -> None:
        """Store a batch of updates in one statement, before they are confirmed; ``put``
        then queues each without storing it again. ``sent``: the updates as Telegram sent
        them, by update_id (stored as they are, which saves serialising them again)."""
        sent = sent or {}
        batch = [u for u in updates if u.update_id not in self._received]
        if not batch:
            return
        pause = 0.5
        while True:
            try:
                async with self.sessionmaker.begin() as session:
                    new = await inbox.store_many(
                        session,
                        updates=[
                            (u.update_id, sent.get(u.update_id) or u.to_dict()) for u in batch
                        ],
                        now=self.clock.now(),
                    )
                break
            except (SQLAlchemyError, OSError):
                log.exception("inbox: could not store %d updates; trying again", len(batch))
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
        for update in batch:
            self._received[update.update_id] = update.update_id in new

    async def put(self, item: object) -> None:
        """Queue ``item``; an update only once it is stored, and only the first time."""
        if isinstance(item, Update):
            received = self._received.pop(item.update_id, None)
            if received is None:
                received = await self._store(item)
            if not received:
                self.duplicates += 1
                log.info("update %s arrived again; ignored", item.update_id)
                return
            if self._pruned_at is None or time.monotonic() - self._pruned_at > PRUNE_EVERY:
                await self.prune()
        await super().put(item)

    async def _store(self, update: Update) -> bool:
        """Store the update; while the database is away, wait (Telegram keeps it meanwhile)."""
        pause = 0.5
        while True:
            try:
                async with self.sessionmaker.begin() as session:
                    return await inbox.store(
                        session,
                        update_id=update.update_id,
                        payload=update.to_dict(),
                        now=self.clock.now(),
                    )
            except (SQLAlchemyError, OSError):
                log.exception("inbox: could not store update %s; trying again", update.update_id)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)

    async def handled(self, update: object) -> None:
        """The handlers are done with ``update``: it will not be replayed. Returns once the
        mark is written (or writing it failed: then the update is replayed at the next start,
        and the handlers are idempotent)."""
        if not isinstance(update, Update):
            return
        done = asyncio.get_running_loop().create_future()
        self._marks.append((update.update_id, done))
        if self._marking is None:
            self._marking = asyncio.create_task(self._write_marks(), name="inbox-marks")
        await done

    async def _write_marks(self) -> None:
        """Write the marks that came in, together, until none are left."""
        try:
            while self._marks:
                marks, self._marks = self._marks, []
                ids = [update_id for update_id, _ in marks]
                try:
                    async with self.sessionmaker.begin() as session:
                        await inbox.mark_many_handled(
                            session, update_ids=ids, now=self.clock.now()
                        )
                except (SQLAlchemyError, OSError):
                    log.exception("inbox: could not mark updates %s handled", ids)
                for _, done in marks:
                    if not done.done():
                        done.set_result(None)
        finally:
            self._marking = None

    async def replay(self, bot: Bot) -> int:
        """Queue what arrived but was not handled before the last stop; returns how many."""
        async with self.sessionmaker.begin() as session:
            rows = await inbox.list_unhandled(session)
            for row in rows:
                await inbox.count_replay(session, update_id=row.update_id)
        count = 0
        for row in rows:
            update = None
            if row.payload is not None and row.replays < MAX_REPLAYS:
                try:
                    update = Update.de_json(row.payload, bot)
                except (TypeError, ValueError, KeyError):  # stored by another version
                    log.exception("inbox: update %s cannot be read back", row.update_id)
            if update is None:
                log.error("inbox: update %s given up after %d replays", row.update_id, row.replays)
                async with self.sessionmaker.begin() as session:
                    await inbox.mark_handled(
                        session, update_id=row.update_id, now=self.clock.now()
                    )
                continue
            self._replaying.add(update.update_id)
            await super().put(update)
            count += 1
        if count:
            log.warning("inbox: %d updates were not handled before the last stop; handling", count)
        self.replayed += count
        return count

    def is_replay(self, update: object) -> bool:
        """Whether ``update`` was queued by :meth:`replay` (once asked, it is forgotten)."""
        if not isinstance(update, Update) or update.update_id not in self._replaying:
            return False
        self._replaying.discard(update.update_id)
        return True

    async def prune(self) -> None:
        """Forget updates older than :data:`KEEP`."""
        self._pruned_at = time.monotonic()
        try:
            async with self.sessionmaker.begin() as session:
                gone = await inbox.prune(session, before=self.clock.now() - KEEP)
        except (SQLAlchemyError, OSError):
            log.exception("inbox: pruning failed")
            return
        if gone:
            log.info("inbox: forgot %d old updates", gone)
