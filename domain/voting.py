"""Whether a vote may be taken: one rule for the ballot box's fast path and the careful path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Refusal(Enum):
    """Why a press on Yes / Maybe / No is not taken, in the order the rule checks."""

    #: The date or its poll is gone, or the poll is still a draft: an old or forged button.
    STALE_BUTTON = "stale"
    #: The poll was closed or cancelled, or its deadline has passed.
    CLOSED = "closed"
    #: The coordinators removed this date from the poll.
    REMOVED = "removed"
    #: The voter is not a member of the poll's group.
    NOT_IN_GROUP = "not_in_group"


@dataclass(frozen=True)
class VoteTarget:
    """What the rule needs to know about the pressed date, its poll and the voter."""

    found: bool
    draft: bool
    open: bool
    deadline: datetime | None
    removed: bool
    in_group: bool


def vote_refusal(target: VoteTarget, *, now: datetime) -> Refusal | None:
    """The reason a vote is refused, or None when it may be recorded."""
    if not target.found or target.draft:
        return Refusal.STALE_BUTTON
    if not target.open or (target.deadline is not None and target.deadline <= now):
        return Refusal.CLOSED
    if target.removed:
        return Refusal.REMOVED
    if not target.in_group:
        return Refusal.NOT_IN_GROUP
    return None
