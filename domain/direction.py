"""Right-to-left text: Unicode isolates and marks (UAX #9) around values, commands and lines."""

from __future__ import annotations

import re
from typing import Any

# Unicode's directional isolates and marks (UAX #9): right-to-left text stays in order around
# values of the other direction.
LRI = "\u2066"  # left-to-right isolate: a /command or key=value someone types
RLI = "\u2067"  # right-to-left isolate: a tally's mark and count, read mark first
FSI = "\u2068"  # first-strong isolate: a name, a date, a number, in whatever direction it has
PDI = "\u2069"  # pop directional isolate: ends either
RLM = (
    "\u200f"  # right-to-left mark: a line whose first letters are Latin still reads from the right
)
#: Unicode's explicit directional formatting characters: embeddings and overrides (LRE, RLE,
#: PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI). Each opens or closes a scope that runs on
#: past the value it sits in; the marks (LRM, RLM, ALM) have none and are not among them.
EXPLICIT_FORMATTING = "\u202a\u202b\u202c\u202d\u202e" + LRI + RLI + FSI + PDI
_TAG = re.compile(r"<[^<>]*>")
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
_WORD = r"(?:[A-Za-z0-9_@+\-]+(?:[.,:=][A-Za-z0-9_@+\-]+)*|\{[A-Za-z_][A-Za-z0-9_]*\})"
#: Something a reader types, left to right: a /command with its Latin arguments
#: ("/settings {slug} quorum=3"), or a run of key=value examples ("weekdays=Tue,Thu").
_KEY = r"(?:[a-z_]+|\{[a-z_]+\})"
_VALUE = r"[A-Za-z0-9_@+\-]+(?:[.,:][A-Za-z0-9_@+\-]+)*"
TYPED = re.compile(
    rf"(?<![A-Za-z0-9_/:.<])/[a-z][a-z0-9_]*(?:@\w+)?(?: {_WORD})*"
    rf"|(?<![A-Za-z0-9_{{=]){_KEY}={_VALUE}(?: {_WORD})*"
)

#: The invisible direction controls :class:`~domain.i18n.Lang` adds for right-to-left readers.
BIDI_CONTROLS = str.maketrans("", "", LRI + FSI + PDI + RLM)


def strip_bidi(text: str) -> str:
    """``text`` without the direction controls (to compare what a reader sees)."""
    return text.translate(BIDI_CONTROLS)


def isolate_typed(template: str) -> str:
    """Wrap each /command and key=value example of a template (outside its HTML tags) in
    LRI…PDI, so a right-to-left paragraph shows it as it is typed: "/help", not "help/"."""
    return _outside_tags(template, lambda text: TYPED.sub(lambda m: LRI + m[0] + PDI, text))


def isolate_placeholders(template: str, names: frozenset[str]) -> str:
    """Wrap each ``{name}`` in ``names`` (outside HTML tags) in FSI…PDI."""

    def wrap(match: re.Match[str]) -> str:
        return FSI + match[0] + PDI if match[1] in names else match[0]

    return _outside_tags(template, lambda text: _PLACEHOLDER.sub(wrap, text))


def _outside_tags(template: str, change: Any) -> str:
    """``template`` with ``change`` applied to its text between HTML tags, not to the tags."""
    parts, last = [], 0
    for tag in _TAG.finditer(template):
        parts += [change(template[last : tag.start()]), tag[0]]
        last = tag.end()
    parts.append(change(template[last:]))
    return "".join(parts)


def mark_lines(text: str) -> str:
    """Start every line with a right-to-left mark (once), so each line aligns right."""
    return "\n".join(
        line if not line or line.startswith(RLM) else RLM + line for line in text.split("\n")
    )
