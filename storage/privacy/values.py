"""How stored values appear in a member's export: times in a zone, enums by their value."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.models import Group


def plain(value: Any, tz: tzinfo = UTC) -> Any:
    """A database value as JSON: times in ISO 8601 with their offset in ``tz`` (the local time
    a reader recognises: "2026-11-24T10:00:00+01:00"), enums by their value."""
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo is not None else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def zone_of(group: Group, default: tzinfo) -> tzinfo:
    """The group's time zone, or ``default`` if it has none (or an unknown one)."""
    try:
        return ZoneInfo(group.timezone) if group.timezone else default
    except (ZoneInfoNotFoundError, ValueError):
        return default
