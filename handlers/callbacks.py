"""Callback data: a tiny typed codec with short prefixes, parsed in one place.

Every payload fits Telegram's 64 bytes and stays valid across restarts because it carries only
database ids and slugs. Anyone can forge callback data, so handlers re-check who presses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.slugs import is_slug


@dataclass(frozen=True)
class Consent:
    """Accept the privacy notice; then join ``slug`` if the member came by a deep link."""

    slug: str | None = None


@dataclass(frozen=True)
class ToggleMembership:
    """Join or leave a group from the /groups list."""

    group_id: int


@dataclass(frozen=True)
class ArchiveGroup:
    """Confirm archiving a group."""

    group_id: int


@dataclass(frozen=True)
class Dismiss:
    """Close a question without doing anything."""


Callback = Consent | ToggleMembership | ArchiveGroup | Dismiss

PREFIX_CONSENT = "c"
PREFIX_TOGGLE = "t"
PREFIX_ARCHIVE = "ar"
PREFIX_DISMISS = "x"


def encode(data: Callback) -> str:
    """The callback_data string for a button."""
    match data:
        case Consent(slug=slug):
            return f"{PREFIX_CONSENT}:{slug or ''}"
        case ToggleMembership(group_id=gid):
            return f"{PREFIX_TOGGLE}:{gid}"
        case ArchiveGroup(group_id=gid):
            return f"{PREFIX_ARCHIVE}:{gid}"
        case Dismiss():
            return PREFIX_DISMISS


def decode(raw: object) -> Callback | None:
    """Parse callback_data; None for anything malformed or unknown (e.g. forged)."""
    if not isinstance(raw, str) or len(raw.encode()) > 64:
        return None
    prefix, _, rest = raw.partition(":")
    if prefix == PREFIX_CONSENT:
        return Consent(rest) if rest and is_slug(rest) else (None if rest else Consent())
    if prefix == PREFIX_DISMISS and not rest:
        return Dismiss()
    if not rest.isascii() or not rest.isdigit() or len(rest) > 12:
        return None
    if prefix == PREFIX_TOGGLE:
        return ToggleMembership(int(rest))
    if prefix == PREFIX_ARCHIVE:
        return ArchiveGroup(int(rest))
    return None


def matches(kind: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: data that decodes to ``kind`` (the rest falls through)."""

    def pattern(raw: object) -> bool:
        return isinstance(decode(raw), kind)

    return pattern
