"""The settings Gremium runs with: plain frozen values, checked before anything starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from domain.cadence import Rhythm

DEFAULT_API_ROOT = "https://api.telegram.org"
#: How German-speaking members are addressed: formal "Sie" (default) or informal "du".
GermanAddress = Literal["sie", "du"]


@dataclass(frozen=True)
class InitialGroup:
    """A group created on first start, with the meeting rhythm it starts with (if any)."""

    slug: str
    name: str
    rhythm: Rhythm | None = None


@dataclass(frozen=True)
class WebhookSettings:
    """Where the bot listens for Telegram's webhook requests."""

    url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "telegram"
    secret_token: str = ""


@dataclass(frozen=True)
class Settings:
    """Everything Gremium reads from its configuration."""

    token: str
    database_url: str
    api_root: str = DEFAULT_API_ROOT
    mode: str = "polling"
    #: Seconds to wait for Telegram's answer to a request before trying again.
    request_timeout: float = 15.0
    webhook: WebhookSettings = field(default_factory=WebhookSettings)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))
    default_language: str = "de"
    #: "sie" addresses German-speaking members formally, "du" informally.
    german_address: GermanAddress = "sie"
    organisation_name: str = "Gremium"
    organisation_contact: str = ""
    privacy_version: int = 1
    admins: frozenset[int] = frozenset()
    groups: tuple[InitialGroup, ...] = ()
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    #: "text" for people, "json" or "keyvalue" for log collectors: one line per event.
    log_format: str = "text"
    #: Seconds between the leader's checks of its lock (and a standby's tries to take it).
    leader_check_seconds: float = 5.0
    outbox_rate: float = 25.0
    per_chat_interval: float = 1.0
    paid_broadcast: bool = False
    quiet_hours: tuple[time, time] = (time(21, 0), time(8, 0))
    holiday_state: str = "NW"
    community_holidays: tuple[str, ...] = ()
    tally_edit_seconds: float = 3.0
    #: The initial groups' last meeting: their first planned cycle counts from it.
    cadence_counted_from: date | None = None
    #: Members who left every group, or have been unreachable, this long are deleted.
    inactive_member_months: int = 12
    #: Closed polls lose their per-member votes this long after closing (counts stay).
    vote_retention_months: int = 6

    @property
    def bot_base_url(self) -> str:
        """The base URL python-telegram-bot appends the token and method to."""
        return f"{self.api_root.rstrip('/')}/bot"
