"""The vote-refusal rule shared by the ballot box and the careful vote path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.voting import Refusal, VoteTarget, vote_refusal

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PLAIN = {
    "found": True,
    "draft": False,
    "open": True,
    "deadline": None,
    "removed": False,
    "in_group": True,
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"deadline": NOW + timedelta(seconds=1)}, None),
        ({"found": False}, Refusal.STALE_BUTTON),
        ({"draft": True, "open": False}, Refusal.STALE_BUTTON),
        ({"open": False}, Refusal.CLOSED),
        ({"deadline": NOW}, Refusal.CLOSED),
        ({"deadline": NOW - timedelta(minutes=1)}, Refusal.CLOSED),
        ({"removed": True}, Refusal.REMOVED),
        ({"in_group": False}, Refusal.NOT_IN_GROUP),
        # The first reason in the rule's order is the one given.
        ({"open": False, "removed": True, "in_group": False}, Refusal.CLOSED),
        ({"removed": True, "in_group": False}, Refusal.REMOVED),
        ({"found": False, "open": False}, Refusal.STALE_BUTTON),
    ],
)
def test_vote_refusal(changes: dict[str, object], expected: Refusal | None) -> None:
    """Each reason refuses the vote, the deadline instant included, in the rule's order."""
    target = VoteTarget(**{**PLAIN, **changes})  # type: ignore[arg-type]
    assert vote_refusal(target, now=NOW) is expected
