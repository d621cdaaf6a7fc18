"""The button routing table: every kind of callback data has exactly one place to go."""

from __future__ import annotations

import typing

from handlers import callback_data
from handlers.buttons import ROUTES


def test_every_kind_of_callback_data_is_routed() -> None:
    """A new button type that is not in the table would be answered "no longer valid"."""
    kinds = set(typing.get_args(callback_data.Callback))
    assert kinds, "callback_data.Callback lists the kinds"
    assert kinds == set(ROUTES)
