"""The outbox: every message the bot sends on its own is a row here first.

Rows are written in the same transaction as the thing they announce; the dispatcher claims due
rows, sends them and records the outcome. Keyword-only functions, session first, never commit.
"""

from __future__ import annotations

from storage.outbox.claims import (
    claim_due,
    held,
    next_due,
    reclaim_expired,
    release,
    release_in_flight,
    renew,
)
from storage.outbox.lookups import (
    counts_for_announcement,
    find,
    held_for_announcement,
    sent_with_prefix,
    unreachable_names,
)
from storage.outbox.outcomes import (
    mark_chat_unreachable,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_sent_many,
    record_part,
)
from storage.outbox.queue import CHUNK, OPEN, NewDelivery, enqueue, enqueue_many

__all__ = [
    "CHUNK",
    "OPEN",
    "NewDelivery",
    "claim_due",
    "counts_for_announcement",
    "enqueue",
    "enqueue_many",
    "find",
    "held",
    "held_for_announcement",
    "mark_chat_unreachable",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "mark_sent_many",
    "next_due",
    "reclaim_expired",
    "record_part",
    "release",
    "release_in_flight",
    "renew",
    "sent_with_prefix",
    "unreachable_names",
]
