"""Forged button data with numbers the database cannot hold is refused by the codec."""

from __future__ import annotations

import pytest

from handlers.callback_data import VoteAction
from handlers.callbacks import MAX_ID, decode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"pv:y:{MAX_ID}", VoteAction(MAX_ID, "yes")),
        (f"pv:y:{MAX_ID + 1}", None),
        ("pv:y:999999999999", None),
        ("pv:y:00000000001", None),
        ("pv:y:-1", None),
        ("pv:y:١٢", None),  # Arabic-Indic digits are digits, but not ASCII
    ],
)
def test_ids_must_fit_an_integer_column(raw: str, expected: object) -> None:
    """An id is at most 10 ASCII digits and fits PostgreSQL's INTEGER; anything else is forged."""
    assert decode(raw) == expected
