"""What a Telegram app does to typed text before sending it: formatting shortcuts become entities.

Telegram's apps (Desktop, Android, iOS) turn ``**bold**``, ``__italic__``, ``~~strike~~``,
``||spoiler||``, `` `code` `` and ```` ```pre``` ```` (optionally ```` ```python ```` with a
language on the first line) into message entities and strip the markers, so the bot receives
text plus entities, never the asterisks. A single ``*`` or ``_`` stays as typed, as in the apps.

Rules, after the apps: the text between two markers is not empty and neither begins nor ends
with a space; a marker does not touch a letter or digit on its outer side (so ``snake__case__x``
and URLs stay as typed); code and pre are taken literally, the others may nest. Offsets and
lengths are in UTF-16 code units, as Telegram counts them (an emoji is two).
"""

from __future__ import annotations

import re

from sandbox.emulator.entities import Entity, entity_order, utf16_len
from sandbox.emulator.formatting import detect

#: The paired markers and the entity each makes.
MARKERS = (
    ("**", "bold"),
    ("__", "italic"),
    ("~~", "strikethrough"),
    ("||", "spoiler"),
)
LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,32}")


def typed(text: str) -> tuple[str, list[Entity]]:
    """The text and entities a Telegram app sends for what a person typed."""
    plain, entities = _parse(text)
    entities.sort(key=entity_order)
    return plain, detect(plain, entities)


def _outer_ok(text: str, index: int) -> bool:
    """Whether the character at ``index`` (outside a marker) lets the marker count."""
    return index < 0 or index >= len(text) or not text[index].isalnum()


def _close(text: str, marker: str, start: int) -> int:
    """Where the marker opened before ``start`` closes, or -1."""
    end = text.find(marker, start)
    while end != -1:
        inner = text[start:end]
        spaced = not inner or inner[0].isspace() or inner[-1].isspace()
        if not spaced and _outer_ok(text, end + len(marker)):
            return end
        end = text.find(marker, end + 1)
    return -1


def _code(text: str, i: int) -> tuple[str, str, dict[str, str], int] | None:
    """The pre block or inline code at ``i``: (code, entity type, extra fields, where it ends);
    None if there is none (an empty one stays as typed)."""
    if text.startswith("```", i):
        end = text.find("```", i + 3)
        body = text[i + 3 : end] if end != -1 else ""
        first, newline, rest = body.partition("\n")
        language = first if newline and LANGUAGE.fullmatch(first) else None
        code = (rest if language else body).strip("\n")
        if code.strip():
            return code, "pre", ({"language": language} if language else {}), end + 3
    if text[i] == "`" and not text.startswith("```", i):
        end = text.find("`", i + 1)
        code = text[i + 1 : end] if end != -1 else ""
        if code.strip() and "\n" not in code:
            return code, "code", {}, end + 1
    return None


def _parse(text: str) -> tuple[str, list[Entity]]:
    """The text without its markers, and the entities they make (not yet sorted)."""
    out: list[str] = []
    entities: list[Entity] = []
    units = 0  # UTF-16 length of what is in ``out``
    i = 0

    def emit(piece: str, kind: str | None = None, **extra: str) -> None:
        nonlocal units
        if kind is not None:
            entities.append({"offset": units, "length": utf16_len(piece), "type": kind, **extra})
        out.append(piece)
        units += utf16_len(piece)

    while i < len(text):
        if (code := _code(text, i)) is not None:
            piece, kind, extra, i = code
            emit(piece, kind, **extra)
            continue
        for marker, kind in MARKERS:
            if not text.startswith(marker, i) or not _outer_ok(text, i - 1):
                continue
            end = _close(text, marker, i + len(marker))
            if end == -1:
                continue
            inner, nested = _parse(text[i + len(marker) : end])
            for entity in nested:
                entity["offset"] += units
            entities.extend(nested)
            emit(inner, kind)
            i = end + len(marker)
            break
        else:
            emit(text[i])
            i += 1
    return "".join(out), entities
