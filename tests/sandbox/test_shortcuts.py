"""Formatting shortcuts typed in a Telegram app become entities (sandbox.emulator.shortcuts)."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.emulator.shortcuts import typed


def e(offset: int, length: int, kind: str, **extra: Any) -> dict[str, Any]:
    """An entity."""
    return {"offset": offset, "length": length, "type": kind, **extra}


@pytest.mark.parametrize(
    ("typed_text", "text", "entities"),
    [
        ("**Wichtig:** *x*", "Wichtig: *x*", [e(0, 8, "bold")]),
        ("__kursiv__", "kursiv", [e(0, 6, "italic")]),
        ("~~weg~~ ||geheim||", "weg geheim", [e(0, 3, "strikethrough"), e(4, 6, "spoiler")]),
        ("Befehl `make sandbox`", "Befehl make sandbox", [e(7, 12, "code")]),
        ("```python\nprint(1)\n```", "print(1)", [e(0, 8, "pre", language="python")]),
        ("```\na **b**\n```", "a **b**", [e(0, 7, "pre")]),
        ("**fett __beides__**", "fett beides", [e(0, 11, "bold"), e(5, 6, "italic")]),
        ("🎉 **Fest** 🎉 __ja__", "🎉 Fest 🎉 ja", [e(3, 4, "bold"), e(11, 2, "italic")]),
        ("👩‍👩‍👧 **x**", "👩‍👩‍👧 x", [e(9, 1, "bold")]),
        ("Ümlaut **ß**", "Ümlaut ß", [e(7, 1, "bold")]),
        ("** nicht**", "** nicht**", []),
        ("****", "****", []),
        ("**offen", "**offen", []),
        ("snake__case__name", "snake__case__name", []),
        ("a * b * c", "a * b * c", []),
        ("`nicht\nüber Zeilen`", "`nicht\nüber Zeilen`", []),
        ("**Zeile 1\nZeile 2**", "Zeile 1\nZeile 2", [e(0, 15, "bold")]),
        ("https://herne.de/a__b__c", "https://herne.de/a__b__c", [e(0, 24, "url")]),
        ("**/start** jetzt", "/start jetzt", [e(0, 6, "bot_command"), e(0, 6, "bold")]),
    ],
)
def test_shortcuts_become_entities(
    typed_text: str, text: str, entities: list[dict[str, Any]]
) -> None:
    """What the bot receives for what a person typed (offsets in UTF-16 code units)."""
    assert typed(typed_text) == (text, entities)
