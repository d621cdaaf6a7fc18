"""Telegram's HTML tags: the supported set, the attributes each reads, the entity each makes.

The parser (:mod:`.htmlparse`) opens a :class:`OpenTag` per start tag, hands it the attributes
(:func:`assign`) and, at the end tag, turns it into an entity (:func:`close_tag`), as the Bot
API server does: empty ranges make none, ``<pre><code class="language-x">`` makes one ``pre``
with a language, links to ``tg://user?id=`` make mentions of known users only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.emulator.entities import Entity, ParseError, UserLookup
from sandbox.emulator.links import link_entity

SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
TAGS = frozenset({*SIMPLE, "a", "tg-emoji", "tg-time", "pre", "code", "blockquote"})


@dataclass
class OpenTag:
    """A start tag not yet closed: what it read and where its text began."""

    tag: str
    argument: str
    offset: int
    start: int
    begin: int
    expandable: bool = False
    date: int = 0


def assign(opened: OpenTag, attribute: str, value: str) -> None:
    """Keep what ``opened`` reads of the attribute (others are ignored, as Telegram does)."""
    if opened.tag == "a" and attribute == "href":
        opened.argument = value
    elif opened.tag == "code" and attribute == "class" and value.startswith("language-"):
        opened.argument = value.removeprefix("language-")
    elif opened.tag == "span" and attribute == "class" and value.startswith("tg-"):
        opened.argument = value.removeprefix("tg-")
    elif opened.tag == "tg-emoji" and attribute == "emoji-id":
        opened.argument = value
    elif opened.tag == "blockquote" and attribute == "expandable":
        opened.expandable = True
    elif opened.tag == "tg-time" and attribute == "unix":
        opened.date = int(value) if value.lstrip("-").isdigit() else 0
    elif opened.tag == "tg-time" and attribute == "format":
        opened.argument = value


def close_tag(
    opened: OpenTag, length: int, inner: str, entities: list[Entity], lookup: UserLookup | None
) -> None:
    """Add the entity ``opened`` makes over ``length`` units of text ``inner`` (if any)."""
    entity: Entity = {"offset": opened.offset, "length": length}
    tag = opened.tag
    last = entities[-1] if entities else None
    same_range = last is not None and (last["offset"], last["length"]) == (opened.offset, length)
    if tag in SIMPLE:
        entity["type"] = SIMPLE[tag]
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if opened.expandable else "blockquote"
    elif tag == "tg-emoji":
        if not opened.argument.isdigit() or int(opened.argument) == 0:
            raise ParseError("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=opened.argument)
    elif tag == "tg-time":
        if opened.date <= 0:
            return
        entity.update(type="date_time", unix_time=opened.date)
        if opened.argument:
            entity["date_time_format"] = opened.argument
    elif tag == "code":
        if last is not None and same_range and last["type"] == "pre" and opened.argument:
            last["language"] = opened.argument
            return
        entity.update(type="code")
        if opened.argument:
            entity["language"] = opened.argument
    elif tag == "pre":
        if last is not None and same_range and last["type"] == "code":
            last["type"] = "pre"
            return
        entity["type"] = "pre"
    else:
        if not link_entity(entity, opened.argument or inner, lookup):
            return
    entities.append(entity)
