"""The settings and core services most functions want: database, clock, translations, zone."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.i18n import Translator
from runtime.health import Runtime
from storage.db import SessionMaker


@dataclass(kw_only=True, eq=False)
class Services:
    """Settings and core services, handed down by the composition root."""

    sessionmaker: SessionMaker
    translator: Translator
    clock: Clock
    timezone: ZoneInfo
    admins: frozenset[int] = frozenset()
    organisation_name: str = ""
    organisation_contact: str = ""
    privacy_version: int = 1
    inactive_member_months: int = 12
    vote_retention_months: int = 6
    quiet_hours: tuple[time, time] = (time(21), time(8))
    holiday_state: str = "NW"
    extra_calendars: tuple[str, ...] = ()
    #: Version, start time, database and last error, for /status.
    runtime: Runtime

    def values(self) -> dict[str, Any]:
        """The fields as keywords, to build a :class:`BotData` on these services."""
        return {f.name: getattr(self, f.name) for f in fields(Services)}
