"""What queries return for display, beside the rows of :mod:`storage.models`: plain values that
text and keyboard modules may render without touching the database."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Group


@dataclass(frozen=True)
class GroupSummary:
    """A group with its member count, for lists."""

    group: Group
    member_count: int


@dataclass(frozen=True)
class Count:
    """Yes / maybe / no of one option, counting only current members of the group."""

    option_id: int
    yes: int = 0
    maybe: int = 0
    no: int = 0
