"""The callback codec for consent with a language, language buttons and /forgetme."""

from __future__ import annotations

import pytest

from handlers.callback_data import ChooseLanguage, ConfirmForget, Consent
from handlers.callbacks import decode, encode


@pytest.mark.parametrize(
    ("data", "raw"),
    [
        (Consent(), "c:"),
        (Consent("wohnen"), "c:wohnen"),
        (Consent(None, "tr"), "c::tr"),
        (Consent("wohnen", "ar"), "c:wohnen:ar"),
        (ChooseLanguage("uk"), "lg:uk"),
        (ConfirmForget(12, 1_795_104_000_000_000), "fg:12:1795104000000000"),
    ],
)
def test_round_trip(data: object, raw: str) -> None:
    """Each payload encodes to its short form and decodes back to itself."""
    assert encode(data) == raw  # type: ignore[arg-type]
    assert decode(raw) == data


@pytest.mark.parametrize(
    "raw",
    [
        "c:wohnen:",
        "c::",
        "c:Bad Slug",
        "c:x:fr",
        "lg:fr",
        "lg:",
        "fg:1:",
        "fg:a:1",
        "fg:1:-5",
        "fg",
    ],
)
def test_malformed_or_forged_data_is_refused(raw: str) -> None:
    """Unknown languages, broken ids and empty parts decode to None (the button is stale)."""
    assert decode(raw) is None
