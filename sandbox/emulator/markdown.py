"""Telegram's MarkdownV2 and legacy Markdown parse modes, after tdlib's parsers.

MarkdownV2: ``*bold* _italic_ __underline__ ~strike~ ||spoiler|| `code` ```lang pre```
[text](url) ![emoji](tg://emoji?id=N)`` and ``>`` quotes at line starts; every character of
``_*[]()~`>#+-=|{}.!`` outside an entity must be escaped with ``\\``. Legacy Markdown:
``*bold* _italic_ `code` ```pre``` [text](url)``. Errors carry Telegram's wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.emulator.entities import Entity, ParseError, UserLookup, entity_order, utf16_len
from sandbox.emulator.links import link_entity, normalize_url

_RESERVED = "_*[]()~`>#+-=|{}.!"
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _Open:
    kind: str
    offset: int
    byte: int
    start: int
    language: str = ""


def _at(text: str, index: int) -> str:
    return text[index] if index < len(text) else "\0"


def _reserved(char: str) -> ParseError:
    return ParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


class _V2:
    def __init__(self, source: str, lookup: UserLookup | None) -> None:
        self.src = source
        self.lookup = lookup
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[Entity] = []
        self.stack: list[_Open] = []
        self.quote_start: int | None = None

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.utf16 += utf16_len(char)

    def run(self) -> tuple[str, list[Entity]]:
        src, i = self.src, 0
        while i < len(src):
            char = src[i]
            if (i == 0 or src[i - 1] == "\n") and not self.stack:
                i = self.line_start(i)
                if i >= len(src):
                    break
                char = src[i]
            if char == "\\" and "\0" < _at(src, i + 1) <= "~":
                self.emit(src[i + 1])
                i += 2
                continue
            in_code = bool(self.stack) and self.stack[-1].kind in {"code", "pre"}
            if char not in ("`" if in_code else _RESERVED):
                self.emit(char)
                i += 1
                continue
            i = self.close(i) if self.closes(i) else self.open(i)
        if self.stack:
            last = self.stack[-1]
            raise ParseError(
                f"Can't find end of {_NAMES[last.kind]} entity at byte offset {last.byte}"
            )
        self.end_quote()
        self.entities.sort(key=entity_order)
        return "".join(self.out), self.entities

    def line_start(self, i: int) -> int:
        if _at(self.src, i) == ">":
            if self.quote_start is None:
                self.quote_start = self.utf16
            return i + 1
        self.end_quote()
        return i

    def end_quote(self) -> None:
        if self.quote_start is None:
            return
        text = "".join(self.out)
        end = self.utf16 - (1 if text.endswith("\n") else 0)
        if end > self.quote_start:
            length = end - self.quote_start
            self.entities.append(
                {"offset": self.quote_start, "length": length, "type": "blockquote"}
            )
        self.quote_start = None

    def closes(self, i: int) -> bool:
        if not self.stack:
            return False
        src, kind = self.src, self.stack[-1].kind
        char = src[i]
        return {
            "bold": char == "*",
            "italic": char == "_" and _at(src, i + 1) != "_",
            "underline": char == "_" and _at(src, i + 1) == "_",
            "strikethrough": char == "~",
            "spoiler": char == "|" and _at(src, i + 1) == "|",
            "code": char == "`",
            "pre": src.startswith("```", i),
            "text_link": char == "]",
            "custom_emoji": char == "]",
        }[kind]

    def open(self, i: int) -> int:
        src, char = self.src, self.src[i]
        byte = len(src[:i].encode("utf-8"))
        language = ""
        if char == "_" and _at(src, i + 1) == "_":
            kind, i = "underline", i + 2
        elif char in "*_~[":
            kind = {"*": "bold", "_": "italic", "~": "strikethrough", "[": "text_link"}[char]
            i += 1
        elif char == "|" and _at(src, i + 1) == "|":
            kind, i = "spoiler", i + 2
        elif char == "!" and _at(src, i + 1) == "[":
            kind, i = "custom_emoji", i + 2
        elif char == "`" and src.startswith("```", i):
            kind, i = "pre", i + 3
            end = i
            while end < len(src) and src[end] not in " \t\r\n`":
                end += 1
            if end != i and end < len(src) and src[end] != "`":
                language, i = src[i:end], end
            if _at(src, i) in "\r\n":
                i += 2 if _at(src, i + 1) in "\r\n" and src[i] != src[i + 1] else 1
        elif char == "`":
            kind, i = "code", i + 1
        else:
            raise _reserved(char)
        self.stack.append(_Open(kind, self.utf16, byte, len(self.out), language))
        return i

    def close(self, i: int) -> int:
        opened = self.stack.pop()
        entity: Entity = {"offset": opened.offset, "length": self.utf16 - opened.offset}
        skip = entity["length"] == 0
        src, kind = self.src, opened.kind
        i += {"underline": 2, "spoiler": 2, "pre": 3}.get(kind, 1)
        if kind in {"text_link", "custom_emoji"}:
            url = "".join(self.out[opened.start :])
            if _at(src, i) == "(":
                i += 1
                url_begin = len(src[:i].encode("utf-8"))
                chars: list[str] = []
                while i < len(src) and src[i] != ")":
                    if src[i] == "\\" and "\0" < _at(src, i + 1) <= "~":
                        i += 1
                    chars.append(src[i])
                    i += 1
                if i >= len(src):
                    raise ParseError(f"Can't find end of a URL at byte offset {url_begin}")
                i += 1
                url = "".join(chars)
            skip = skip or not self.link(entity, kind, url)
        else:
            entity["type"] = kind
            if kind == "pre" and opened.language:
                entity["language"] = opened.language
        if not skip:
            self.entities.append(entity)
        return i

    def link(self, entity: Entity, kind: str, url: str) -> bool:
        if kind == "custom_emoji":
            prefix = "tg://emoji?id="
            if not url.startswith(prefix) or not url[len(prefix) :].isdigit():
                raise ParseError("Custom emoji entity must contain a tg://emoji URL")
            entity.update(type="custom_emoji", custom_emoji_id=url[len(prefix) :])
            return True
        return link_entity(entity, url, self.lookup)


def parse_markdown_v2(source: str, lookup: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Plain text and entities of MarkdownV2 ``source``; raises ParseError."""
    return _V2(source, lookup).run()


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Plain text and entities of legacy Markdown ``source``; raises ParseError."""
    return _Legacy(source).run()


class _Legacy:
    """The state of a legacy Markdown parse: the text so far and its entities."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[Entity] = []

    def run(self) -> tuple[str, list[Entity]]:
        """Plain text and entities of the whole source."""
        src, i = self.src, 0
        while i < len(src):
            char = src[i]
            if char == "\\" and _at(src, i + 1) in "_*`[":
                self.out.append(src[i + 1])
                self.utf16 += 1
                i += 2
            elif char not in "_*`[":
                self.emit(char)
                i += 1
            else:
                i = self.entity(i)
        return "".join(self.out), self.entities

    def emit(self, char: str) -> None:
        """Append ``char`` to the text."""
        self.out.append(char)
        self.utf16 += utf16_len(char)

    def entity(self, i: int) -> int:
        """Read the entity whose marker is at ``i``; returns where it ends."""
        src, char = self.src, self.src[i]
        begin = len(src[:i].encode("utf-8"))
        is_pre = src.startswith("```", i)
        end_marker = "```" if is_pre else ("]" if char == "[" else char)
        i += 3 if is_pre else 1
        language = ""
        if is_pre:
            end = i
            while end < len(src) and src[end] not in " \t\r\n`":
                end += 1
            if end != i and end < len(src) and src[end] != "`":
                language, i = src[i:end], end
        offset, start = self.utf16, len(self.out)
        while i < len(src) and not src.startswith(end_marker, i):
            self.emit(src[i])
            i += 1
        if i >= len(src):
            raise ParseError(f"Can't find end of the entity starting at byte offset {begin}")
        i += len(end_marker)
        entity: Entity = {"offset": offset, "length": self.utf16 - offset}
        if char == "[":
            return self.link(entity, i, "".join(self.out[start:]), begin)
        if is_pre:
            entity["type"] = "pre"
            if language:
                entity["language"] = language
        else:
            entity["type"] = {"_": "italic", "*": "bold", "`": "code"}[char]
        if entity["length"] > 0:
            self.entities.append(entity)
        return i

    def link(self, entity: Entity, i: int, url: str, begin: int) -> int:
        """Finish the link ``entity`` (its URL follows in parentheses, or is its text)."""
        if _at(self.src, i) == "(":
            close = self.src.find(")", i)
            if close < 0:
                raise ParseError(f"Can't find end of a URL at byte offset {begin}")
            url, i = self.src[i + 1 : close], close + 1
        normalized = normalize_url(url)
        if normalized is not None:
            entity.update(type="text_link", url=normalized)
            if entity["length"] > 0:
                self.entities.append(entity)
        return i
