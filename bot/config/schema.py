"""The configuration file's shape: one pydantic model per TOML section.

Strict types (a port is a number, not "80"), unknown keys refused, each value checked by the
validators in :mod:`bot.config.values`. Checks across sections live in :mod:`bot.config.loading`.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.config.settings import DEFAULT_API_ROOT
from bot.config.values import (
    LOG_FORMATS,
    Admins,
    ApiRoot,
    Clock,
    Communities,
    DatabaseUrl,
    Day,
    Language,
    LogLevel,
    Months,
    Token,
    Zone,
    between,
    check,
    one_of,
)
from domain.slugs import SLUG_RE


class Section(BaseModel):
    """A TOML table: strict types, no unknown keys."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True
    )


def section() -> Any:
    """A section that may be left out: its defaults are validated too (the token is required)."""
    return Field(default={}, validate_default=True)


class Telegram(Section):
    token: Token = Field(default="", validate_default=True)
    api_root: ApiRoot = DEFAULT_API_ROOT
    mode: Annotated[str, one_of("polling", "webhook")] = "polling"
    timeout: Annotated[
        float, between(0.001, 300, "must be more than 0 and at most 300 seconds")
    ] = 15.0


class Webhook(Section):
    url: str = ""
    listen: str = "127.0.0.1"
    port: Annotated[int, between(1, 65535, "must be between 1 and 65535")] = 8443
    path: str = "telegram"
    secret_token: str = ""


class Database(Section):
    url: DatabaseUrl = ""


class Organisation(Section):
    name: str = "Gremium"
    contact: str = ""
    timezone: Zone = ZoneInfo("Europe/Berlin")
    default_language: Language = "de"
    german_address: Annotated[str, one_of("sie", "du")] = "sie"
    admins: Admins = []
    privacy_version: int = 1


class Storage(Section):
    data_dir: str = "data"


class Outbox(Section):
    rate: float = 25.0
    paid_broadcast: bool = False
    quiet_hours_start: Clock = time(21, 0)
    quiet_hours_end: Clock = time(8, 0)
    per_chat_interval: float = 1.0


class Logging(Section):
    level: LogLevel = "INFO"
    format: Annotated[str, one_of(*LOG_FORMATS)] = "text"


class Cluster(Section):
    # After a leader's host dies, a standby sends again within the server's keepalive timeout
    # (~11 s) + one check + the in-flight grace (one check + 6 s): at most 6 keeps that < 30 s.
    check_seconds: Annotated[float, between(0.2, 6, "must be between 0.2 and 6 seconds")] = 5.0


class RhythmKeys(Section):
    """A meeting rhythm's keys: defaults in [cadence], overridden per group."""

    meetings_per_year: int | None = None
    weekdays: list[str] | None = None
    time: str | None = None
    duration_minutes: int | None = None
    location: str | None = None
    lead_weeks: int | None = None
    poll_days: int | None = None
    candidates: int | None = None
    review: bool | None = None
    review_days: int | None = None


class Cadence(RhythmKeys):
    enabled: bool = True
    #: A TOML date, or the same date quoted.
    last_meeting: Day | None = None


class Group(RhythmKeys):
    slug: Annotated[
        str,
        Field(validate_default=True),
        check(lambda v: bool(SLUG_RE.match(v)), "must be 1-40 characters of a-z, 0-9 and -"),
    ] = ""
    name: Annotated[
        str,
        Field(validate_default=True),
        AfterValidator(str.strip),
        check(lambda v: 1 <= len(v) <= 100, "must be a name of 1-100 characters"),
    ] = ""


class Polls(Section):
    holiday_state: str = "NW"
    community_holidays: Communities = []
    tally_edit_seconds: float = 3.0


class Privacy(Section):
    inactive_member_months: Months = 12
    vote_retention_months: Months = 6


class ConfigFile(Section):
    """The whole file."""

    telegram: Telegram = section()
    webhook: Webhook = section()
    database: Database = section()
    organisation: Organisation = section()
    storage: Storage = section()
    outbox: Outbox = section()
    logging: Logging = section()
    cluster: Cluster = section()
    cadence: Cadence = section()
    polls: Polls = section()
    privacy: Privacy = section()
    groups: list[Group] = []
