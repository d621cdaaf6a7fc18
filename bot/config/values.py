"""Checks of single values, as pydantic validators: each raises ValueError with the problem."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, PlainValidator

from domain.i18n import SUPPORTED_LANGUAGES

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
NO_TOKEN = (
    "no bot token. Ask @BotFather in Telegram for one (/newbot), then put it in "
    'config.toml under [telegram] token = "..." or set GREMIUM_TOKEN. '
    "To try Gremium without Telegram, run: gremium sandbox (in a checkout: make sandbox)"
)
COMMUNITY_CALENDARS = ("islamic", "orthodox", "jewish")
LOG_FORMATS = ("text", "json", "keyvalue")
DATABASE_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


def check(test: Callable[[Any], bool], problem: str) -> AfterValidator:
    """A validator that refuses a value for which ``test`` is false."""

    def validate(value: Any) -> Any:
        if not test(value):
            raise ValueError(problem.format(value=value))
        return value

    return AfterValidator(validate)


def one_of(*choices: str) -> AfterValidator:
    """A validator that accepts only ``choices``: 'must be "a", "b" or "c"'."""
    quoted = [f'"{c}"' for c in choices]
    listed = ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return check(lambda v: v in choices, f"must be {listed}")


def between(low: float, high: float, problem: str) -> AfterValidator:
    """A validator for numbers from ``low`` to ``high``."""
    return check(lambda v: low <= v <= high, problem)


def _token(value: str) -> str:
    if not value:
        raise ValueError(NO_TOKEN)
    if not TOKEN_RE.match(value):
        raise ValueError("does not look like a bot token (123456:ABC-...)")
    return value


def _zone(value: Any) -> ZoneInfo:
    if not isinstance(value, str):
        raise ValueError('must be a time zone name like "Europe/Berlin"')
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'"{value}" is not a time zone (try "Europe/Berlin")') from None


def parse_clock(value: Any) -> time:
    """ "21:00" as a time of day."""
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f'"{value}" is not a time of day like "21:00"') from None


def _day(value: Any) -> date:
    """A TOML date (2026-11-17) or the same date quoted ("2026-11-17")."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("must be a date like 2026-11-17")


def _admins(values: list[Any]) -> list[Any]:
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{value!r} is not a Telegram user id (a positive number)")
    return values


def _communities(values: list[Any]) -> list[Any]:
    for value in values:
        if value not in COMMUNITY_CALENDARS:
            known = ", ".join(COMMUNITY_CALENDARS)
            raise ValueError(f"{value!r} is not known (choose from {known})")
    return values


def _language(code: str) -> str:
    if code not in SUPPORTED_LANGUAGES:
        choices = ", ".join(SUPPORTED_LANGUAGES)
        raise ValueError(f'"{code}" is not supported (choose one of {choices})')
    return code


Token = Annotated[str, AfterValidator(_token)]
ApiRoot = Annotated[
    str,
    check(
        lambda v: bool(re.match(r"^https?://[^/\s]+", v)),
        "must be an http(s) URL such as https://api.telegram.org",
    ),
]
DatabaseUrl = Annotated[
    str,
    check(
        lambda v: not v or v.startswith(DATABASE_SCHEMES),
        "must start with sqlite+aiosqlite:// or postgresql+asyncpg://",
    ),
]
Zone = Annotated[ZoneInfo, PlainValidator(_zone)]
Clock = Annotated[time, PlainValidator(parse_clock)]
Day = Annotated[date, PlainValidator(_day)]
Language = Annotated[str, AfterValidator(_language)]
Admins = Annotated[list[Any], AfterValidator(_admins)]
Communities = Annotated[list[Any], AfterValidator(_communities)]
Months = Annotated[int, between(1, 120, "must be a number of months from 1 to 120")]
LogLevel = Annotated[
    str,
    AfterValidator(str.upper),
    check(
        lambda v: v in ("DEBUG", "INFO", "WARNING", "ERROR"),
        "must be DEBUG, INFO, WARNING or ERROR",
    ),
]
