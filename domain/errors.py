"""The one domain error type: it carries a message for the user."""

from __future__ import annotations

from typing import Any

from domain.i18n import LazyText


class GremiumError(Exception):
    """A rule was broken; ``text`` tells the user what happened and what would work."""

    def __init__(self, msgid: str, /, **params: Any) -> None:
        super().__init__(msgid)
        self.text = LazyText(msgid, params)
