"""The one domain error type: it carries a message for the user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.i18n import LazyText


class GremiumError(Exception):
    """A rule was broken; ``text`` tells the user what happened and what would work."""

    def __init__(self, msgid: str, /, **params: Any) -> None:
        super().__init__(msgid)
        self.text = LazyText(msgid, params)
        #: Further problems found in the same input, each said on a line of its own.
        self.more: tuple[LazyText, ...] = ()

    @classmethod
    def all_of(cls, problems: Sequence[GremiumError]) -> GremiumError:
        """One error that reports every problem of ``problems`` (at least one) at once."""
        first = problems[0]
        first.more = tuple(p.text for p in problems[1:])
        return first
