"""Callback data: a tiny typed codec with short prefixes, parsed in one place.

Every payload fits Telegram's 64 bytes and stays valid across restarts because it carries only
database ids and slugs. Anyone can forge callback data, so handlers re-check who presses.
"""

from __future__ import annotations

import enum
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


class AnnounceStep(enum.StrEnum):
    """What a button on an announcement does."""

    SEND = "s"
    SCHEDULE = "t"
    CANCEL = "x"
    URGENT = "u"
    PIN = "p"
    UNSCHEDULE = "c"


@dataclass(frozen=True)
class AnnounceTarget:
    """/announce: the group chosen (0 = all groups, for organisers)."""

    group_id: int


@dataclass(frozen=True)
class AnnounceAction:
    """A button on an announcement preview or listing."""

    step: AnnounceStep
    announcement_id: int


Callback = Consent | ToggleMembership | ArchiveGroup | Dismiss | AnnounceTarget | AnnounceAction

PREFIX_CONSENT = "c"
PREFIX_TOGGLE = "t"
PREFIX_ARCHIVE = "ar"
PREFIX_DISMISS = "x"
PREFIX_ANNOUNCE_TARGET = "ag"
PREFIX_ANNOUNCE = "an"


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
        case AnnounceTarget(group_id=gid):
            return f"{PREFIX_ANNOUNCE_TARGET}:{gid}"
        case AnnounceAction(step=step, announcement_id=aid):
            return f"{PREFIX_ANNOUNCE}:{step.value}:{aid}"


def decode(raw: object) -> Callback | None:
    """Parse callback_data; None for anything malformed or unknown (e.g. forged)."""
    if not isinstance(raw, str) or len(raw.encode()) > 64:
        return None
    prefix, _, rest = raw.partition(":")
    if prefix == PREFIX_CONSENT:
        return Consent(rest) if rest and is_slug(rest) else (None if rest else Consent())
    if prefix == PREFIX_DISMISS and not rest:
        return Dismiss()
    if prefix == PREFIX_ANNOUNCE:
        step, _, rest = rest.partition(":")
        if step not in {s.value for s in AnnounceStep} or not _is_id(rest):
            return None
        return AnnounceAction(AnnounceStep(step), int(rest))
    if not _is_id(rest):
        return None
    if prefix == PREFIX_TOGGLE:
        return ToggleMembership(int(rest))
    if prefix == PREFIX_ARCHIVE:
        return ArchiveGroup(int(rest))
    if prefix == PREFIX_ANNOUNCE_TARGET:
        return AnnounceTarget(int(rest))
    return None


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def matches(kind: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: data that decodes to ``kind`` (the rest falls through)."""

    def pattern(raw: object) -> bool:
        return isinstance(decode(raw), kind)

    return pattern
