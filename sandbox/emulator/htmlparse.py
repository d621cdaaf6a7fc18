"""Telegram's HTML parse mode: the tag subset, its entity decoding and its error messages.

It follows the Bot API server's parser (tdlib ``parse_html``): supported tags are b strong i em
u ins s strike del span(class="tg-spoiler") tg-spoiler a(href) code(class="language-x") pre
blockquote(expandable) tg-emoji(emoji-id) tg-time(unix, format); other attributes are ignored.
``&lt; &gt; &amp; &quot;`` and numeric references are decoded, any other ``&`` stays literal.
Errors carry Telegram's wording and UTF-8 byte offsets. Entity offsets and lengths are in UTF-16
code units. This module reads the markup; :mod:`.htmltags` knows the tags and their entities.
"""

from __future__ import annotations

import re

from sandbox.emulator.entities import Entity, ParseError, UserLookup, entity_order, utf16_len
from sandbox.emulator.htmltags import TAGS, OpenTag, assign, close_tag

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\f\v"

#: Where plain text ends: a tag or a character reference begins.
_SPECIAL = re.compile("[<&]")
_SURROGATE = re.compile("[\ud800-\udfff]")


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
    stack: list[OpenTag] = []
    i = 0
    while i < len(source):
        if source[i] != "<":
            chunk, i = _text(source, i)
            out.append(chunk)
            utf16 += utf16_len(chunk)
            continue
        begin = _byte_offset(source, i)
        if _at(source, i + 1) != "/":
            opened, i = _start_tag(source, i + 1, begin)
            opened.offset, opened.start = utf16, len(out)
            stack.append(opened)
            continue
        opened, i = _end_tag(source, i, begin, stack)
        if utf16 > opened.offset:
            inner = "".join(out[opened.start :])
            close_tag(opened, utf16 - opened.offset, inner, entities, lookup)
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=entity_order)
    return _paired("".join(out)), entities


def _text(source: str, i: int) -> tuple[str, int]:
    """The text at ``i`` (not a tag): a decoded character reference, or plain text up to the
    next tag or reference; and where it ends."""
    if source[i] == "&" and (decoded := decode_entity(source, i)) is not None:
        return decoded
    end = _SPECIAL.search(source, i + 1)
    stop = end.start() if end else len(source)
    return source[i:stop], stop


def _end_tag(source: str, i: int, begin: int, stack: list[OpenTag]) -> tuple[OpenTag, int]:
    """Read the end tag at ``source[i:] == "</..."``: the tag it closes, and where it ends."""
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
    opened = stack.pop()
    if end_name and end_name != opened.tag:
        raise ParseError(
            f"Unmatched end tag at byte offset {begin}, expected "
            f'"</{opened.tag}>", found "</{end_name}>"'
        )
    return opened, i + 1


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


def _start_tag(source: str, i: int, begin: int) -> tuple[OpenTag, int]:
    """Read the start tag whose name begins at ``i``: the opened tag, and where it ends."""
    name_start = i
    while i < len(source) and source[i] not in _SPACES and source[i] != ">":
        i += 1
    if i >= len(source):
        raise ParseError(f"Unclosed start tag at byte offset {begin}")
    tag = source[name_start:i].lower()
    if tag not in TAGS:
        raise ParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    opened = OpenTag(tag, "", 0, 0, begin)
    i = _attributes(source, i, opened)
    if tag == "span" and opened.argument != "spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return opened, i + 1


def _attributes(source: str, i: int, opened: OpenTag) -> int:
    """Read the attributes of ``opened`` from ``i`` on; returns the index of the closing ``>``."""
    tag, begin = opened.tag, opened.begin
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
        assign(opened, attribute, value)
    return i


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
