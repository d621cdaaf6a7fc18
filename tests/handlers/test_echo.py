"""Refusals quote what a person typed, but never more than fits in a message."""

from __future__ import annotations

from domain.errors import GremiumError
from domain.i18n import Translator
from handlers.texts import MAX_ECHO, error


def test_a_long_typed_value_is_clipped_in_a_refusal() -> None:
    """A 4096-character group name quoted back is cut to MAX_ECHO characters (escaped after)."""
    lang = Translator("en").get("en")
    typed = "<" * 4096
    text = error(lang, GremiumError("There is no group called “{query}”.", query=typed))
    assert len(text) < 4096
    assert text.count("&lt;") == MAX_ECHO - 1
    assert text.endswith("…”.")
