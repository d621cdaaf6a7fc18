"""The one domain error type: it carries a message for the user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.i18n import LazyText


class GremiumError(Exception):
    """A rule was broken; ``text`` tells the user what happened and what would work."""

    def __init__(self, msgid: str | LazyText, /, **params: Any) -> None:
        """``msgid`` with its ``params``, or a ready :class:`LazyText` (e.g. from
        :func:`~domain.i18n.lazy_plural` for a message with a count)."""
        text = msgid if isinstance(msgid, LazyText) else LazyText(msgid, params)
        super().__init__(text.msgid)
        self.text = text
        #: Further problems found in the same input, each said on a line of its own.
        self.more: tuple[LazyText, ...] = ()

    @classmethod
    def all_of(cls, problems: Sequence[GremiumError]) -> GremiumError:
        """One error that reports every problem of ``problems`` (at least one) at once."""
        first = problems[0]
        first.more = tuple(p.text for p in problems[1:])
        return first
