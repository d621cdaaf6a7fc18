"""The one domain error type: it carries a message for the user."""

from __future__ import annotations

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
