"""Group commit of the outbox's "sent" marks, retried until the database takes them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from domain.clock import Clock
from domain.delivery import backoff
from storage import outbox
from storage.db import SessionMaker

log = logging.getLogger("runtime.outbox")  # the dispatcher's log, as before the split

#: Longest pause between two tries of writing "sent" marks while the database is away.
MARK_RETRY_CAP = 30.0


class SentMarks:
    """Marks sent deliveries; those finishing while a write is under way go in the next one."""

    def __init__(
        self,
        *,
        sessionmaker: SessionMaker,
        clock: Clock,
        retry_base: float,
        report: Callable[[str], None],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.retry_base = retry_base
        self.report = report
        #: Sent deliveries waiting to be marked, and the task marking them (see record).
        self.finished: list[tuple[int, list[int], asyncio.Future[None]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def record(self, delivery_id: int, message_ids: list[int]) -> None:
        """Mark a delivery sent. Deliveries that finish while a write is under way are marked
        together by the next one (group commit): a transaction per message made the database
        the bottleneck at high rates, while at low rates each is still written at once."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.finished.append((delivery_id, message_ids, done))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write_finished(), name="outbox-marks")
        await done

    async def close(self) -> None:
        """Wait briefly for the marks of sends that finished; give up on them after that."""
        if self.writer is None:
            return
        await asyncio.wait([self.writer], timeout=5)
        if not self.writer.done():
            log.error(
                "outbox: %d sent deliveries could not be marked; their lease runs out and "
                "they may be sent again",
                len(self.finished),
            )
            self.writer.cancel()
        await asyncio.gather(self.writer, return_exceptions=True)

    async def _write_finished(self) -> None:
        """Write the waiting marks; while the database refuses, try again with backoff (the
        rows stay held, their leases renewed, so nobody sends them again meanwhile)."""
        failures = 0
        while self.finished:
            batch, self.finished = self.finished, []
            try:
                async with self.sessionmaker.begin() as session:
                    await outbox.mark_sent_many(
                        session, sent=[(i, ids) for i, ids, _ in batch], now=self.clock.now()
                    )
            except Exception as exc:
                failures += 1
                self.finished = batch + self.finished
                log.warning(
                    "outbox: could not mark %d sent deliveries (%r); trying again",
                    len(batch),
                    exc,
                )
                self.report(f"outbox: could not mark sent deliveries ({type(exc).__name__})")
                delay = backoff(failures, key=batch[0][0], base=timedelta(seconds=self.retry_base))
                await asyncio.sleep(min(delay.total_seconds(), MARK_RETRY_CAP))
                continue
            failures = 0
            for *_, done in batch:
                if not done.done():  # else its delivery was cancelled (stop): marked anyway
                    done.set_result(None)
