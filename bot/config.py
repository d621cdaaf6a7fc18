"""Settings: read from TOML, overridden by the environment, checked before anything starts."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.cadence import Rhythm
from domain.dates import parse_weekdays
from domain.errors import GremiumError
from domain.i18n import GERMAN_ADDRESSES, SUPPORTED_LANGUAGES
from domain.slugs import SLUG_RE

DEFAULT_API_ROOT = "https://api.telegram.org"

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the key and what is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


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
    #: How German speaks to members: "sie" (formal, the default) or "du" (informal).
    german_address: str = "sie"
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


# The schema: section -> key -> expected Python type. Unknown keys are errors.
_SCHEMA: Mapping[str, Mapping[str, type | tuple[type, ...]]] = {
    "telegram": {"token": str, "api_root": str, "mode": str, "timeout": (int, float)},
    "webhook": {"url": str, "listen": str, "port": int, "path": str, "secret_token": str},
    "database": {"url": str},
    "organisation": {
        "name": str,
        "contact": str,
        "timezone": str,
        "default_language": str,
        "german_address": str,
        "admins": list,
        "privacy_version": int,
    },
    "storage": {"data_dir": str},
    "outbox": {
        "rate": (int, float),
        "paid_broadcast": bool,
        "quiet_hours_start": str,
        "quiet_hours_end": str,
        "per_chat_interval": (int, float),
    },
    "logging": {"level": str, "format": str},
    "cluster": {"check_seconds": (int, float)},
    "cadence": {
        "enabled": bool,
        "last_meeting": date,
        "meetings_per_year": int,
        "weekdays": list,
        "time": str,
        "duration_minutes": int,
        "location": str,
        "lead_weeks": int,
        "poll_days": int,
        "candidates": int,
        "review": bool,
        "review_days": int,
    },
    "polls": {
        "holiday_state": str,
        "community_holidays": list,
        "tally_edit_seconds": (int, float),
    },
    "privacy": {"inactive_member_months": int, "vote_retention_months": int},
}
_TOP_LEVEL_LISTS = {"groups"}


def load_settings(path: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (may be missing), apply ``GREMIUM_*`` overrides and validate."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None and path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"is not valid TOML ({exc})") from None
    _check_keys(raw)
    return _build(raw, env)


def _check_keys(raw: Mapping[str, Any]) -> None:
    for section, body in raw.items():
        if section in _TOP_LEVEL_LISTS:
            continue
        if section not in _SCHEMA:
            raise ConfigError(section, f"unknown section (known: {', '.join(sorted(_SCHEMA))})")
        if not isinstance(body, dict):
            raise ConfigError(section, "must be a table, like [" + section + "]")
        for key, value in body.items():
            expected = _SCHEMA[section].get(key)
            if expected is None:
                known = ", ".join(sorted(_SCHEMA[section]))
                raise ConfigError(f"{section}.{key}", f"unknown key (known: {known})")
            if not isinstance(value, expected) or (isinstance(value, bool) and expected is int):
                raise ConfigError(f"{section}.{key}", f"must be {_type_name(expected)}")


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "a whole number",
        float: "a number",
        list: "a list",
        bool: "true or false",
        date: "a date like 2026-11-17 (without quotes)",
    }
    if isinstance(expected, tuple):
        return " or ".join(names.get(t, t.__name__) for t in expected)
    return names.get(expected, expected.__name__)


def _get(raw: Mapping[str, Any], section: str, key: str, default: Any) -> Any:
    return raw.get(section, {}).get(key, default)


def _build(raw: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    token = env.get("GREMIUM_TOKEN") or _get(raw, "telegram", "token", "")
    if not token:
        raise ConfigError(
            "telegram.token",
            "no bot token. Ask @BotFather in Telegram for one (/newbot), then put it in "
            'config.toml under [telegram] token = "..." or set GREMIUM_TOKEN. '
            "To try Gremium without Telegram, run: make sandbox",
        )
    if not TOKEN_RE.match(token):
        raise ConfigError("telegram.token", "does not look like a bot token (123456:ABC-...)")
    api_root = env.get("GREMIUM_API_ROOT") or _get(raw, "telegram", "api_root", DEFAULT_API_ROOT)
    if not re.match(r"^https?://[^/\s]+", api_root):
        raise ConfigError(
            "telegram.api_root", "must be an http(s) URL such as https://api.telegram.org"
        )
    mode = _get(raw, "telegram", "mode", "polling")
    if mode not in ("polling", "webhook"):
        raise ConfigError("telegram.mode", 'must be "polling" or "webhook"')
    webhook = _build_webhook(raw, mode)
    data_dir = Path(_get(raw, "storage", "data_dir", "data"))
    database_url = (
        env.get("GREMIUM_DATABASE_URL")
        or _get(raw, "database", "url", "")
        or f"sqlite+aiosqlite:///{data_dir / 'gremium.db'}"
    )
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "database.url",
            "must start with sqlite+aiosqlite:// or postgresql+asyncpg://",
        )
    return Settings(
        token=token,
        database_url=database_url,
        api_root=api_root,
        mode=mode,
        request_timeout=_build_timeout(_get(raw, "telegram", "timeout", 15)),
        webhook=webhook,
        timezone=_build_timezone(_get(raw, "organisation", "timezone", "Europe/Berlin")),
        default_language=_build_language(_get(raw, "organisation", "default_language", "de")),
        german_address=_build_german_address(_get(raw, "organisation", "german_address", "sie")),
        organisation_name=_get(raw, "organisation", "name", "Gremium"),
        organisation_contact=_get(raw, "organisation", "contact", ""),
        privacy_version=_get(raw, "organisation", "privacy_version", 1),
        admins=_build_admins(_get(raw, "organisation", "admins", [])),
        groups=_build_groups(raw.get("groups", []), raw.get("cadence", {})),
        data_dir=data_dir,
        log_level=_build_log_level(_get(raw, "logging", "level", "INFO")),
        log_format=_build_log_format(_get(raw, "logging", "format", "text")),
        leader_check_seconds=_build_check_seconds(_get(raw, "cluster", "check_seconds", 5)),
        outbox_rate=_build_rate(raw),
        per_chat_interval=float(_get(raw, "outbox", "per_chat_interval", 1.0)),
        holiday_state=_get(raw, "polls", "holiday_state", "NW"),
        community_holidays=_build_communities(_get(raw, "polls", "community_holidays", [])),
        tally_edit_seconds=float(_get(raw, "polls", "tally_edit_seconds", 3)),
        cadence_counted_from=_get(raw, "cadence", "last_meeting", None),
        paid_broadcast=_get(raw, "outbox", "paid_broadcast", False),
        inactive_member_months=_build_months(raw, "inactive_member_months", 12),
        vote_retention_months=_build_months(raw, "vote_retention_months", 6),
        quiet_hours=(
            _build_clock(
                "outbox.quiet_hours_start", _get(raw, "outbox", "quiet_hours_start", "21:00")
            ),
            _build_clock(
                "outbox.quiet_hours_end", _get(raw, "outbox", "quiet_hours_end", "08:00")
            ),
        ),
    )


def _build_webhook(raw: Mapping[str, Any], mode: str) -> WebhookSettings:
    hook = WebhookSettings(**raw.get("webhook", {}))
    if mode == "webhook":
        if not hook.url.startswith("https://") and not hook.url.startswith("http://127."):
            raise ConfigError("webhook.url", "must be the public https:// URL Telegram calls")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", hook.secret_token):
            raise ConfigError(
                "webhook.secret_token", "must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
    if not 0 < hook.port < 65536:
        raise ConfigError("webhook.port", "must be between 1 and 65535")
    return hook


def _build_timeout(seconds: float) -> float:
    if not 0 < seconds <= 300:
        raise ConfigError("telegram.timeout", "must be more than 0 and at most 300 seconds")
    return float(seconds)


def _build_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "organisation.timezone", f'"{name}" is not a time zone (try "Europe/Berlin")'
        ) from None


def _build_german_address(address: str) -> str:
    if address not in GERMAN_ADDRESSES:
        raise ConfigError(
            "organisation.german_address", f'"{address}" is neither "sie" (formal) nor "du"'
        )
    return address


def _build_language(code: str) -> str:
    if code not in SUPPORTED_LANGUAGES:
        raise ConfigError(
            "organisation.default_language",
            f'"{code}" is not supported (choose one of {", ".join(SUPPORTED_LANGUAGES)})',
        )
    return code


def _build_admins(values: list[Any]) -> frozenset[int]:
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(
                "organisation.admins", f"{value!r} is not a Telegram user id (a positive number)"
            )
    return frozenset(values)


COMMUNITY_CALENDARS = ("islamic", "orthodox", "jewish")


def _build_communities(values: list[Any]) -> tuple[str, ...]:
    for value in values:
        if value not in COMMUNITY_CALENDARS:
            raise ConfigError(
                "polls.community_holidays",
                f"{value!r} is not known (choose from {', '.join(COMMUNITY_CALENDARS)})",
            )
    return tuple(values)


def _build_rate(raw: Mapping[str, Any]) -> float:
    rate = float(_get(raw, "outbox", "rate", 25))
    limit = 1000 if _get(raw, "outbox", "paid_broadcast", False) else 30
    if not 0 < rate <= limit:
        raise ConfigError("outbox.rate", f"must be more than 0 and at most {limit} messages/s")
    return rate


def _build_months(raw: Mapping[str, Any], key: str, default: int) -> int:
    months: int = _get(raw, "privacy", key, default)
    if not 1 <= months <= 120:
        raise ConfigError(f"privacy.{key}", "must be a number of months from 1 to 120")
    return months


def _build_clock(key: str, text: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(key, f'"{text}" is not a time of day like "21:00"') from None


LOG_FORMATS = ("text", "json", "keyvalue")


def _build_log_format(fmt: str) -> str:
    if fmt not in LOG_FORMATS:
        raise ConfigError("logging.format", 'must be "text", "json" or "keyvalue"')
    return fmt


def _build_check_seconds(value: float) -> float:
    # After a leader's host dies, a standby sends again within the server's keepalive timeout
    # (~11 s) + one check + the in-flight grace (one check + 6 s): at most 6 keeps that < 30 s.
    if not 0.2 <= value <= 6:
        raise ConfigError("cluster.check_seconds", "must be between 0.2 and 6 seconds")
    return float(value)


def _build_log_level(level: str) -> str:
    if level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("logging.level", "must be DEBUG, INFO, WARNING or ERROR")
    return level.upper()


RHYTHM_KEYS = set(_SCHEMA["cadence"]) - {"enabled", "last_meeting"}


def _build_rhythm(key: str, values: Mapping[str, Any]) -> Rhythm:
    """A rhythm from [cadence] defaults overlaid with a group's own values."""
    window = values.get("time", "16:00-19:00")
    try:
        start, end = (_build_clock(key + ".time", part.strip()) for part in window.split("-"))
        weekdays = tuple(
            sorted(
                {
                    d
                    for name in values.get("weekdays", ["tue", "thu"])
                    for d in parse_weekdays(str(name), lang="en")
                }
            )
        )
        rhythm = Rhythm(
            per_year=values.get("meetings_per_year", 3),
            weekdays=weekdays,
            window_start=start,
            window_end=end,
            duration_minutes=values.get("duration_minutes", 120),
            location=values.get("location") or None,
            lead_days=7 * values.get("lead_weeks", 6),
            poll_days=values.get("poll_days", 10),
            candidates=values.get("candidates", 5),
            review=values.get("review", True),
            review_days=values.get("review_days", 3),
        )
        rhythm.check()
    except GremiumError as exc:
        problem = exc.text.english()
        raise ConfigError(key, problem) from None
    except ValueError:
        raise ConfigError(key + ".time", 'must look like "16:00-19:00"') from None
    return rhythm


def _build_groups(values: Any, cadence: Mapping[str, Any]) -> tuple[InitialGroup, ...]:
    if not isinstance(values, list):
        raise ConfigError("groups", "must be a list of [[groups]] tables")
    groups: list[InitialGroup] = []
    seen: set[str] = set()
    for i, item in enumerate(values):
        key = f"groups[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(key, "must be a table with slug and name")
        unknown = set(item) - {"slug", "name"} - RHYTHM_KEYS
        if unknown:
            known = ", ".join(sorted({"slug", "name"} | RHYTHM_KEYS))
            raise ConfigError(f"{key}.{sorted(unknown)[0]}", f"unknown key (known: {known})")
        slug, name = item.get("slug"), item.get("name")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            raise ConfigError(f"{key}.slug", "must be 1-40 characters of a-z, 0-9 and -")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
            raise ConfigError(f"{key}.name", "must be a name of 1-100 characters")
        if slug in seen:
            raise ConfigError(f"{key}.slug", f'"{slug}" is used twice')
        seen.add(slug)
        own = {k: v for k, v in item.items() if k in RHYTHM_KEYS}
        rhythm = None
        if cadence.get("enabled", True) and (cadence or own):
            rhythm = _build_rhythm(key, {**cadence, **own})
        groups.append(InitialGroup(slug=slug, name=name.strip(), rhythm=rhythm))
    return tuple(groups)
