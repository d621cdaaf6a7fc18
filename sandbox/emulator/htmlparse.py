"""Telegram's HTML parse mode: the tag subset, its entity decoding and its error messages.

It follows the Bot API server's parser (tdlib ``parse_html``): supported tags are b strong i em
u ins s strike del span(class="tg-spoiler") tg-spoiler a(href) code(class="language-x") pre
blockquote(expandable) tg-emoji(emoji-id) tg-time(unix, format); other attributes are ignored.
``&lt; &gt; &amp; &quot;`` and numeric references are decoded, any other ``&`` stays literal.
Errors carry Telegram's wording and UTF-8 byte offsets. Entity offsets and lengths are in UTF-16
code units.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.emulator.links import normalize_url

Entity = dict[str, Any]
UserLookup = Callable[[int], dict[str, Any] | None]

_SIMPLE = {
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
_TAGS = frozenset({*_SIMPLE, "a", "tg-emoji", "tg-time", "pre", "code", "blockquote"})
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\f\v"


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


#: Where plain text ends: a tag or a character reference begins.
_SPECIAL = re.compile("[<&]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    start: int
    begin: int
    expandable: bool = False
    date: int = 0


def decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[pos] == '&'``: (character, next index) or None."""
    end = pos + 1
    code = 0
    if text.startswith("#", end):
        end += 1
        hexadecimal = text.startswith("x", end)
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        end += hexadecimal
        while end < len(text) and text[end] in digits and end - pos < 10:
            code = code * (16 if hexadecimal else 10) + int(text[end], 16)
            end += 1
        too_long = end - pos >= 10 or (end < len(text) and text[end] in digits)
        if too_long or code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)  # a surrogate half must pair up with the next one
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if text.startswith(";", end):
        end += 1
    return char, end


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _at(text: str, index: int) -> str:
    return text[index] if index < len(text) else "\0"


def parse_html(source: str, lookup: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Plain text and entities of ``source``; raises ParseError with Telegram's message."""
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    stack: list[_Open] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&" and (decoded := decode_entity(source, i)) is not None:
            out.append(decoded[0])
            utf16 += utf16_len(decoded[0])
            i = decoded[1]
            continue
        if char != "<":  # plain text up to the next tag or character reference
            end = _SPECIAL.search(source, i + 1)
            chunk = source[i : end.start() if end else len(source)]
            out.append(chunk)
            utf16 += utf16_len(chunk)
            i += len(chunk)
            continue
        begin = _byte_offset(source, i)
        if _at(source, i + 1) != "/":
            opened, i = _start_tag(source, i + 1, begin)
            opened.offset, opened.start = utf16, len(out)
            stack.append(opened)
            continue
        if not stack:
            raise ParseError(f"Unexpected end tag at byte offset {begin}")
        i += 2
        name_start = i
        while i < len(source) and source[i] not in _SPACES and source[i] != ">":
            i += 1
        end_name = source[name_start:i].lower()
        while i < len(source) and source[i] in _SPACES:
            i += 1
        if _at(source, i) != ">":
            raise ParseError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        opened = stack.pop()
        if end_name and end_name != opened.tag:
            raise ParseError(
                f"Unmatched end tag at byte offset {begin}, expected "
                f'"</{opened.tag}>", found "</{end_name}>"'
            )
        if utf16 > opened.offset:
            _close(opened, utf16 - opened.offset, "".join(out[opened.start :]), entities, lookup)
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=entity_order)
    return _paired("".join(out)), entities


def _paired(text: str) -> str:
    """Join surrogate halves decoded from separate references, as UTF-8 text requires."""
    if _SURROGATE.search(text) is None:
        return text
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError as error:
        raise ParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for"
            " unmatched surrogate code units"
        ) from error


def _start_tag(source: str, i: int, begin: int) -> tuple[_Open, int]:
    name_start = i
    while i < len(source) and source[i] not in _SPACES and source[i] != ">":
        i += 1
    if i >= len(source):
        raise ParseError(f"Unclosed start tag at byte offset {begin}")
    tag = source[name_start:i].lower()
    if tag not in _TAGS:
        raise ParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    opened = _Open(tag, "", 0, 0, begin)
    while _at(source, i) != ">":
        while i < len(source) and source[i] in _SPACES:
            i += 1
        if _at(source, i) == ">":
            break
        attr_start = i
        while i < len(source) and source[i] not in _SPACES and source[i] not in "=>/\"'":
            i += 1
        attribute = source[attr_start:i]
        if not attribute:
            raise ParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while i < len(source) and source[i] in _SPACES:
            i += 1
        if _at(source, i) != "=":
            if i >= len(source):
                raise ParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if tag == "blockquote" and attribute == "expandable":
                opened.expandable = True
            continue  # an attribute without a value is ignored
        i += 1
        while i < len(source) and source[i] in _SPACES:
            i += 1
        if i >= len(source):
            raise ParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value, i = _attribute_value(source, i)
        if i >= len(source):
            raise ParseError(f"Unclosed start tag at byte offset {begin}")
        _assign(opened, attribute, value)
    if tag == "span" and opened.argument != "spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return opened, i + 1


def _attribute_value(source: str, i: int) -> tuple[str, int]:
    if source[i] not in "'\"":
        start = i
        while i < len(source) and (
            (source[i].isascii() and source[i].isalnum()) or source[i] in ".-"
        ):
            i += 1
        if _at(source, i) not in _SPACES + ">":
            raise ParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(source, start)}"
            )
        return source[start:i].lower(), i
    quote = source[i]
    i += 1
    value: list[str] = []
    while i < len(source) and source[i] != quote:
        if source[i] == "&" and (decoded := decode_entity(source, i)) is not None:
            value.append(decoded[0])
            i = decoded[1]
            continue
        value.append(source[i])
        i += 1
    if i < len(source):
        i += 1
    return "".join(value), i


def _assign(opened: _Open, attribute: str, value: str) -> None:
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


def _close(
    opened: _Open, length: int, inner: str, entities: list[Entity], lookup: UserLookup | None
) -> None:
    entity: Entity = {"offset": opened.offset, "length": length}
    tag = opened.tag
    last = entities[-1] if entities else None
    same_range = last is not None and (last["offset"], last["length"]) == (opened.offset, length)
    if tag in _SIMPLE:
        entity["type"] = _SIMPLE[tag]
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
        if not _link(entity, opened.argument or inner, lookup):
            return
    entities.append(entity)


def _link(entity: Entity, href: str, lookup: UserLookup | None) -> bool:
    prefix = "tg://user?id="
    if href.startswith(prefix) and href[len(prefix) :].isdigit():
        user = lookup(int(href[len(prefix) :])) if lookup is not None else None
        if user is None:
            return False
        entity.update(type="text_mention", user=user)
        return True
    url = normalize_url(href)
    if url is None:
        return False
    entity.update(type="text_link", url=url)
    return True
