"""Message entities as Telegram makes them: their order, UTF-16 lengths and parse errors.

Shared by the parse modes (:mod:`.htmlparse`, :mod:`.markdown`), the apps' typing shortcuts
(:mod:`.shortcuts`) and the rendering in :mod:`.formatting`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Entity = dict[str, Any]
UserLookup = Callable[[int], dict[str, Any] | None]

_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


def entity_order(entity: Entity) -> tuple[int, int, int]:
    """Telegram's entity order: by offset, longer first, then outer types first."""
    return entity["offset"], -entity["length"], _PRIORITY.get(entity["type"], 50)


class ParseError(Exception):
    """The text cannot be parsed; the message is Telegram's."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
