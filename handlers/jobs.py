"""Job callbacks: the periodic sweep that does whatever due work the database holds."""

from __future__ import annotations

import logging

from handlers.broadcast import release_due
from handlers.context import BotData, Context

log = logging.getLogger(__name__)

#: Seconds between sweeps: due work is done within this much of its time.
SWEEP_INTERVAL = 20


async def sweep(bd: BotData) -> None:
    """Do all due work once. Idempotent: running it twice, or late, does each thing once."""
    released = await release_due(bd)
    if released:
        log.info("released %d scheduled announcements", released)


async def sweep_job(context: Context) -> None:
    """JobQueue entry point for :func:`sweep`."""
    await sweep(context.bot_data)
