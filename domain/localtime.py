"""Local wall-clock times and UTC instants, honest about DST gaps and overlaps.

A local time that does not exist (the hour skipped in spring) is reported as such; an
ambiguous one (the hour repeated in autumn) means its first occurrence (``fold=0``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date

#: The zone a group lives in unless it says otherwise.
BERLIN = ZoneInfo("Europe/Berlin")


def require_aware(moment: datetime, name: str = "moment") -> datetime:
    """Return ``moment`` unchanged, or raise ``ValueError`` if it is naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {moment!r}")
    return moment


def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    """``now`` seen on a wall clock in ``tz``."""
    return require_aware(now, "now").astimezone(tz)


def exists(day: date, at: time, tz: ZoneInfo) -> bool:
    """Whether the wall-clock time ``at`` on ``day`` happens in ``tz`` (False in a DST gap)."""
    naive = datetime.combine(day, at)
    back = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back == naive


def to_utc(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local time, the first one if it repeats, None if it is skipped."""
    if not exists(day, at, tz):
        return None
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)


def to_utc_forward(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Like :func:`to_utc`, but a skipped time moves forward by the gap (02:30 -> 03:30)."""
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(UTC)


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz``."""
    return to_utc_forward(day, time(0), tz)


def add_local_days(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """``moment`` moved by whole calendar days keeping its wall-clock time in ``tz``."""
    local = local_now(moment, tz)
    return to_utc_forward(local.date() + timedelta(days=days), local.time(), tz)


def show_date(day: date, lang: str) -> str:
    """A compact, locale-formatted date for messages: "12.03.2027", "Mar 12, 2027"."""
    return str(format_date(day, format="medium", locale=lang))


def show_weekday(day: date | int, lang: str) -> str:
    """The weekday name of a date or of a weekday number (Monday = 0), in ``lang``."""
    if isinstance(day, int):
        day = date(2024, 1, 1) + timedelta(days=day)  # 1 January 2024 was a Monday
    return str(format_date(day, format="EEEE", locale=lang))


def short_weekday(day: int, lang: str) -> str:
    """A weekday number (Monday = 0) as its abbreviation in ``lang``, written as people type it
    into a command: "Di", "Tue", "вт" (CLDR's trailing dot dropped)."""
    return str(Locale.parse(lang).days["format"]["abbreviated"][day]).rstrip(".")


def show_time(at: time) -> str:
    """A time of day as people write it in messages: "17:00"."""
    return f"{at.hour:02d}:{at.minute:02d}"
