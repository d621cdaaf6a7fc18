"""Tag stripping: the text a reader sees of Telegram HTML."""

from __future__ import annotations

import pytest

from domain.splitting import strip_tags


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("plain", "plain"),
        ("<b>Wichtig:</b> <i>morgen</i>", "Wichtig: morgen"),
        ('<a href="https://example.org/?a=1&amp;b=2">Link</a>', "Link"),
        ("Jugend &lt;18 &amp; Eltern", "Jugend <18 & Eltern"),
        ("&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>"),
        ("<tg-spoiler>geheim</tg-spoiler> 👍🏽", "geheim 👍🏽"),
        ("", ""),
    ],
)
def test_strip_tags(source: str, expected: str) -> None:
    """Tags go, entities become the characters they stand for, escaped markup stays text."""
    assert strip_tags(source) == expected
