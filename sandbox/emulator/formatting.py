"""Message text as Telegram stores it: parse modes, explicit entities, trimming, auto-detection.

``formatted(text, parse_mode, entities)`` turns the parameters of a send or edit into the final
text and MessageEntity list (UTF-16 offsets), raising Telegram's errors. ``render_html`` turns
text and entities back into canonical Telegram HTML, so tests can assert formatting.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from sandbox.emulator.entities import Entity, ParseError, UserLookup, entity_order, utf16_len
from sandbox.emulator.errors import bad_request
from sandbox.emulator.htmlparse import parse_html
from sandbox.emulator.markdown import parse_markdown, parse_markdown_v2

ENTITY_TYPES = frozenset(
    {
        *("mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number"),
        *("bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre"),
        *("blockquote", "expandable_blockquote", "text_link", "text_mention", "custom_emoji"),
        "date_time",
    }
)
_DETECT = (
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")),
    ("email", re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    (
        "bot_command",
        re.compile(r"(?<![\w/@.])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])"),
    ),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{3,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
)
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


@dataclass(frozen=True)
class Formatted:
    """Final message text and its entities."""

    text: str
    entities: list[Entity]


def formatted(
    text: str,
    parse_mode: str | None,
    entities: list[Any] | None,
    lookup: UserLookup | None = None,
) -> Formatted:
    """Parse as Telegram does for text/caption parameters; raises ApiError on bad markup."""
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            plain, found = parse_html(text, lookup)
        elif mode == "markdownv2":
            plain, found = parse_markdown_v2(text, lookup)
        elif mode == "markdown":
            plain, found = parse_markdown(text)
        elif mode in {"", "none"}:
            plain, found = text, _explicit(text, entities or [])
        else:
            raise bad_request("unsupported parse_mode")
    except ParseError as error:
        raise bad_request(f"can't parse entities: {error}") from error
    plain, found = _trim(plain, found)
    return Formatted(plain, detect(plain, found))


def _explicit(text: str, raw: list[Any]) -> list[Entity]:
    total = utf16_len(text)
    result: list[Entity] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise bad_request(f"can't parse MessageEntity: entity {index} must be an Object")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request('can\'t parse MessageEntity: Field "offset" must be a valid Number')
        if item["type"] not in ENTITY_TYPES or offset < 0 or length <= 0 or offset >= total:
            continue
        entity: Entity = {"offset": offset, "length": min(length, total - offset)}
        entity.update({k: v for k, v in item.items() if k not in {"offset", "length"}})
        result.append(entity)
    result.sort(key=entity_order)
    return result


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram's trimming: spaces and newlines at the end, and at the start up to the first
    entity; entities are clipped to what remains."""
    kept = text.rstrip(" \n")
    end = utf16_len(kept)
    clipped: list[Entity] = []
    for entity in entities:
        if entity["offset"] < end:
            clipped.append({**entity, "length": min(entity["length"], end - entity["offset"])})
    first = clipped[0]["offset"] if clipped else end
    shift = 0
    while shift < first and kept[shift] in " \n":
        shift += 1
    moved = [{**e, "offset": e["offset"] - shift} for e in clipped]
    return kept[shift:], sorted(moved, key=entity_order)


def _units(text: str) -> list[int]:
    """UTF-16 offset of every character index (and of the end)."""
    if not text or max(text) <= "\uffff":  # no character takes two units
        return list(range(len(text) + 1))
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + (2 if ord(char) > 0xFFFF else 1))
    return offsets


def detect(text: str, entities: list[Entity]) -> list[Entity]:
    """Add the url/email/bot_command/mention/hashtag entities Telegram finds by itself."""
    units = _units(text)
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE]
    found: list[Entity] = []
    for kind, pattern in _DETECT:
        for match in pattern.finditer(text):
            start, end = units[match.start()], units[match.end()]
            if any(start < right and left < end for left, right in taken):
                continue
            taken.append((start, end))
            found.append({"offset": start, "length": end - start, "type": kind})
    merged = entities + found
    merged.sort(key=entity_order)
    return merged


_TAGS: dict[str, tuple[str, str]] = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ("<tg-spoiler>", "</tg-spoiler>"),
    "code": ("<code>", "</code>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote expandable>", "</blockquote>"),
}


def _tags(entity: Entity) -> tuple[str, str] | None:
    kind = entity["type"]
    if kind in _TAGS:
        return _TAGS[kind]
    if kind == "pre":
        language = entity.get("language")
        if language:
            lang = html.escape(str(language))
            return f'<pre><code class="language-{lang}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        return f'<a href="{html.escape(str(entity["url"]))}">', "</a>"
    if kind == "text_mention":
        return f'<a href="tg://user?id={entity["user"]["id"]}">', "</a>"
    if kind == "custom_emoji":
        return f'<tg-emoji emoji-id="{entity["custom_emoji_id"]}">', "</tg-emoji>"
    if kind == "date_time":
        style = entity.get("date_time_format")
        extra = f' format="{html.escape(str(style))}"' if style else ""
        return f'<tg-time unix="{entity["unix_time"]}"{extra}>', "</tg-time>"
    return None


def render_html(text: str, entities: list[Entity]) -> str:
    """Canonical Telegram HTML for ``text`` with formatting ``entities`` (others are ignored)."""
    units = _units(text)
    tagged = [(e, t) for e in entities if (t := _tags(e)) is not None]
    tagged.sort(key=lambda pair: entity_order(pair[0]))
    out: list[str] = []
    stack: list[tuple[int, str]] = []
    pending = 0
    for index in range(len(text) + 1):
        position = units[index]
        while stack and stack[-1][0] <= position:
            out.append(stack.pop()[1])
        while pending < len(tagged) and tagged[pending][0]["offset"] <= position:
            entity, (opening, closing) = tagged[pending]
            out.append(opening)
            stack.append((entity["offset"] + entity["length"], closing))
            pending += 1
        if index < len(text):
            out.append(html.escape(text[index], quote=False))
    while stack:
        out.append(stack.pop()[1])
    return "".join(out)
