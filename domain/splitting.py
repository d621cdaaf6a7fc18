"""Splitting Telegram-HTML text into messages that each fit Telegram's length limit.

The limit counts what the reader sees: text after entity parsing, in UTF-16 code units; tags
do not count. Cuts fall on a blank line if possible, else a line end, a sentence end, a space,
and only as a last resort between two characters (never inside a tag, an entity such as
``&amp;``, or an emoji sequence). Tags open at a cut are closed before it and reopened after
it, so every part is valid HTML on its own.

A view that must stay one message (one that is edited in place) shortens what members wrote
instead: :func:`fit_one_message`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

TELEGRAM_LIMIT = 4096
#: The widths :func:`fit_one_message` tries in turn, in characters per member's text.
SHORT_WIDTHS: tuple[int, ...] = (100, 60, 30)

_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][\w-]*)(?:\s[^<>]*)?>|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);"
)
_SENTENCE_ENDS = frozenset(".!?…;:")
_ZWJ = "\u200d"
_PRE = frozenset({"pre", "code"})


class _Cut(IntEnum):
    """Kinds of places to cut, best first."""

    PARAGRAPH = 0
    LINE = 1
    SENTENCE = 2
    WORD = 3


@dataclass(frozen=True)
class _Atom:
    """A tag, an entity or one character of the source."""

    text: str
    width: int = 0  # visible UTF-16 code units
    char: str = ""  # the visible character(s); empty for tags
    opens: str = ""  # tag name if this opens a tag
    closes: str = ""  # tag name if this closes a tag


def _utf16(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def _atoms(source: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    pos = 0
    for match in _TOKEN.finditer(source):
        atoms += [_Atom(c, _utf16(c), c) for c in source[pos : match.start()]]
        token = match[0]
        if token.startswith("&"):
            char = html.unescape(token)
            atoms.append(_Atom(token, _utf16(char), char))
        elif match[1]:
            atoms.append(_Atom(token, closes=match[2].lower()))
        else:
            atoms.append(_Atom(token, opens=match[2].lower()))
        pos = match.end()
    atoms += [_Atom(c, _utf16(c), c) for c in source[pos:]]
    return atoms


def visible_length(source: str) -> int:
    """The length Telegram counts for HTML ``source``: visible text in UTF-16 code units."""
    return sum(atom.width for atom in _atoms(source))


def strip_tags(source: str) -> str:
    """The text a reader sees of HTML ``source``: tags dropped, entities such as ``&amp;``
    turned back into their characters (for toasts and excerpts, which show no formatting)."""
    return "".join(atom.char for atom in _atoms(source))


def _is_flag_half(char: str) -> bool:
    return len(char) == 1 and 0x1F1E6 <= ord(char) <= 0x1F1FF  # regional indicator


def _glued(atoms: list[_Atom], cut: int) -> bool:
    """Whether cutting before ``atoms[cut]`` would break an emoji sequence or a letter."""
    before, after = atoms[cut - 1].char, atoms[cut].char
    if not before or not after:
        return False
    code = ord(after[0])
    if _is_flag_half(before) and _is_flag_half(after):
        run = 0  # flags are pairs of regional indicators: cut only after an even number
        while cut - run - 1 >= 0 and _is_flag_half(atoms[cut - run - 1].char):
            run += 1
        return run % 2 == 1
    return (
        before[-1] == _ZWJ
        or after[0] in (_ZWJ, "\ufe0e", "\ufe0f", "\u20e3")
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag sequences (subdivision flags)
        or unicodedata.combining(after[0]) > 0
    )


def _cut_kind(atoms: list[_Atom], i: int) -> tuple[_Cut, int] | None:
    """If a cut may fall at atom ``i``: its kind and where the part ends."""
    char = atoms[i].char
    following = atoms[i + 1].char if i + 1 < len(atoms) else ""
    if char == "\n":
        return (_Cut.PARAGRAPH if following == "\n" else _Cut.LINE), i
    if char.isspace():
        previous = atoms[i - 1].char if i > 0 else ""
        if previous and previous[-1] in _SENTENCE_ENDS:
            return _Cut.SENTENCE, i
        return _Cut.WORD, i
    return None


def _choose_cut(atoms: list[_Atom], start: int, stop: int, limit: int, in_pre: int) -> int:
    """Where to end the part that begins at ``start`` and may run up to ``stop``.

    The best kind of cut in the second half of the part wins; inside ``pre``/``code`` only line
    ends count, so indentation survives. ``in_pre`` is how many of those are open at ``start``.
    """
    # Rank: (tier, kind) -> latest position. Tier 0: in the second half of the part; tier 1:
    # earlier (a short part beats a broken word); tier 2: a space inside pre/code.
    cuts: dict[tuple[int, int], int] = {}
    width = 0
    for i in range(start, min(stop + 1, len(atoms))):  # cutting at ``stop`` keeps all that fits
        in_pre += atoms[i].opens in _PRE
        in_pre -= atoms[i].closes in _PRE
        found = _cut_kind(atoms, i)
        if found is not None and i > start:
            tier = 2 if in_pre and found[0] > _Cut.LINE else int(width < limit // 2)
            cuts[(tier, found[0])] = found[1]
        width += atoms[i].width
    if cuts:
        return cuts[min(cuts)]
    cut = stop
    while cut > start + 1 and (atoms[cut - 1].opens or _glued(atoms, cut)):
        cut -= 1
    return cut


def _stack_after(stack: list[_Atom], atoms: list[_Atom]) -> list[_Atom]:
    stack = list(stack)
    for atom in atoms:
        if atom.opens:
            stack.append(atom)
        elif atom.closes:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].opens == atom.closes:
                    del stack[depth:]
                    break
    return stack


def split_message(source: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram-HTML ``source`` into parts of at most ``limit`` visible characters."""
    if limit < 2:
        raise ValueError("the limit must leave room for one character")
    atoms = _atoms(source)
    if sum(atom.width for atom in atoms) <= limit:
        return [source]
    parts: list[str] = []
    stack: list[_Atom] = []
    start = 0
    while start < len(atoms):
        width, stop = 0, start
        while stop < len(atoms) and width + atoms[stop].width <= limit:
            width += atoms[stop].width
            stop += 1
        stop = max(stop, start + 1)
        in_pre = sum(a.opens in _PRE for a in stack)
        cut = len(atoms) if stop == len(atoms) else _choose_cut(atoms, start, stop, limit, in_pre)
        body = atoms[start:cut]
        after = _stack_after(stack, body)
        text = "".join(a.text for a in stack) + "".join(a.text for a in body)
        parts.append(text + "".join(f"</{a.opens}>" for a in reversed(after)))
        stack, start = after, _skip_separator(atoms, cut, after)
        if not any(a.char.strip() for a in atoms[start:]):
            break
    return parts


def _skip_separator(atoms: list[_Atom], cut: int, stack: list[_Atom]) -> int:
    """Where the next part begins: past the whitespace at the cut (one newline inside pre)."""
    if any(a.opens in _PRE for a in stack):
        return cut + 1 if cut < len(atoms) and atoms[cut].char in ("\n", " ") else cut
    while cut < len(atoms) and atoms[cut].char and atoms[cut].char.isspace():
        cut += 1
    return cut


def shorten(text: str, width: int | None) -> str:
    """Plain ``text`` cut to at most ``width`` characters, "…" marking the cut (None: all of
    it); after a word if one ends in the second half, never inside an emoji sequence."""
    if width is None or len(text) <= width:
        return text
    if width < 2:
        raise ValueError("the width must leave room for one character")
    cut = width - 1
    space = max(text.rfind(" ", 0, cut + 1), text.rfind("\n", 0, cut + 1))
    if space > width // 2:
        cut = space
    atoms = [_Atom(c, _utf16(c), c) for c in text]
    while cut > 1 and _glued(atoms, cut):
        cut -= 1
    return text[:cut].rstrip() + "…"


def fit_one_message(render: Callable[[int | None], str], limit: int = TELEGRAM_LIMIT) -> str:
    """The first of ``render(None)`` (texts whole), ``render(100)``, ... (texts shortened to
    each of ``SHORT_WIDTHS``) that fits in one message; if none does, the shortest one cut to
    what fits, with "…" at its end."""
    text = render(None)
    for width in SHORT_WIDTHS:
        if visible_length(text) <= limit:
            return text
        text = render(width)
    if visible_length(text) <= limit:
        return text
    return split_message(text, limit - 2)[0] + "\n…"
