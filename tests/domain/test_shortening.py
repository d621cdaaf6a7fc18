"""Shortening members' texts so that a view which must stay one message fits Telegram's limit."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import pytest

from domain.splitting import TELEGRAM_LIMIT, fit_one_message, shorten, visible_length


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("Haushalt 2027", None, "Haushalt 2027"),
        ("Haushalt 2027", 13, "Haushalt 2027"),
        ("Haushalt 2027 und Förderanträge", 20, "Haushalt 2027 und…"),
        ("Haushalt 2027 und Förderanträge", 16, "Haushalt 2027…"),
        ("Förderanträge", 8, "Fördera…"),
        ("ab Förderanträge", 8, "ab Förd…"),  # the space is in the first half: cut the word
        ("Eltern 👨‍👩‍👧 und Kinder", 9, "Eltern…"),  # never inside the family emoji
        ("Flaggen 🇩🇪🇺🇦", 11, "Flaggen…"),
        ("🇩🇪🇺🇦🇹🇷", 4, "🇩🇪…"),  # a flag is two characters: never half of one
        ("R&D <b>", 5, "R&D…"),
    ],
)
def test_shorten(text: str, width: int | None, expected: str) -> None:
    """A text longer than the width ends in "…" after a word in its second half, else between
    two characters that may part; one that fits stays as it is."""
    assert shorten(text, width) == expected
    assert width is None or len(shorten(text, width)) <= width


def test_shorten_needs_room() -> None:
    """A width of one leaves no room for a character and the ellipsis."""
    with pytest.raises(ValueError, match="room"):
        shorten("Haushalt", 1)


def _view(texts: list[str]) -> Callable[[int | None], str]:
    """A view that renders each text, escaped, shortened to the width it is given."""

    def render(width: int | None) -> str:
        return "<b>Agenda</b>\n" + "\n".join(
            f"{n}. {escape(shorten(t, width))}" for n, t in enumerate(texts, 1)
        )

    return render


@pytest.mark.parametrize(
    ("texts", "widest"),
    [
        (["Haushalt"] * 10, None),  # fits whole
        (["Förderung & Haushalt " * 23] * 24, 100),  # 24 * 490 characters: shortened to 100
        (["&" * 500] * 60, 60),  # the entities count as one character each
        (["👍🏽" * 250] * 24, 60),  # emoji count twice (UTF-16): 100 characters are too long
        (["x" * 500] * 200, 0),  # 200 items do not fit even at 30: cut with "…"
    ],
)
def test_fit_one_message(texts: list[str], widest: int | None) -> None:
    """The widest rendering that fits is chosen; whatever comes in, the result fits Telegram's
    limit as Telegram counts it, and no entity is cut."""
    widths: list[int | None] = []
    render = _view(texts)

    def counting(width: int | None) -> str:
        widths.append(width)
        return render(width)

    text = fit_one_message(counting)
    assert visible_length(text) <= TELEGRAM_LIMIT
    assert "&amp" not in text.replace("&amp;", "")
    if widest == 0:
        assert text.endswith("\n…") and text.count("<b>") == text.count("</b>")
    else:
        assert widths[-1] == widest
        assert text == render(widest)
