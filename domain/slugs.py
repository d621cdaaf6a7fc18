"""Group slugs: the short names used in commands and deep links (``join-bildung``)."""

from __future__ import annotations

import re
import unicodedata

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_SLUG = 40
_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def slugify(name: str) -> str:
    """A slug from a group name: "Wohnen und Stadtentwicklung" -> "wohnen-und-stadtentwicklung"."""
    text = unicodedata.normalize("NFKD", name.translate(_GERMAN))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > MAX_SLUG:
        text = text[:MAX_SLUG].rsplit("-", 1)[0] or text[:MAX_SLUG]
    return text.strip("-")


def is_slug(text: str) -> bool:
    """Whether ``text`` is a well-formed slug."""
    return bool(SLUG_RE.match(text))
