"""The grammar of dates and times as people type them, shared by the parsers in ``dates``.

Accepted: ``12.03.2027``, ``12.03.`` (next occurrence), ``12.3.27``, ``2027-03-12``,
``12 March 2027``, ``March 12, 2027``, ``12. März``, optionally behind a weekday ("Di, 12.03.");
``heute``/``morgen``/``übermorgen`` and their English, Turkish, Russian, Ukrainian and Arabic
counterparts; times ``17:00``, ``17.00``, ``17 Uhr``, ``5pm``, ``5:30 pm`` and ranges
``17:00-19:00``, ``17-19 Uhr``, ``5-7pm``; durations ``10 Tage``, ``3d``, ``48h``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain import lexicon
from domain.localtime import (
    local_now,
    midnight,
    show_date,
    show_time,
    show_weekday,
    to_utc,
    to_utc_forward,
)


@dataclass(frozen=True)
class Written:
    """What an entry says, before it is placed in time."""

    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None
    relative: int | None = None
    start: time | None = None
    end: time | None = None


class Problem(Exception):
    """A problem with one entry, turned into a user-facing message by the caller."""

    def __init__(self, kind: str, **params: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.params = params


_WORD = r"[^\W\d_][\w'ʼ’]*"
_NUM_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?!\d)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)t?")
_DAY_MONTH = re.compile(
    rf"(\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?({_WORD})\.?,?(?:\s+(\d{{4}})(?!\d))?"
)
_MONTH_DAY = re.compile(
    rf"({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)\.?,?(?:\s+(\d{{4}})(?!\d))?"
)
_WEEKDAY_PREFIX = re.compile(rf"({_WORD})\.?(?:\s*,\s*|\s+|$)")
_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?\s*(uhr|h|o'?clock)?"
_TIMES = re.compile(rf"{_CLOCK}(?:\s*(?:-|bis|to|until|till)\s*{_CLOCK})?")
_TIME_LEAD = re.compile(r"^(?:(?:um|ab|von|at|from|saat|в|о)\s+)")
_DURATION_PART = re.compile(rf"(\d+)\s*({_WORD})\.?")
_DASHES = str.maketrans({"–": "-", "—": "-", "‒": "-", "−": "-", "\u00a0": " "})


def clean(text: str) -> str:
    """Lower-case ``text``, unify dashes and collapse whitespace."""
    return " ".join(text.translate(_DASHES).casefold().split())


def _clock(hour: str, minute: str | None, meridiem: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem.startswith("p") else 0)
    return time(h, m) if h <= 23 and m <= 59 else None


def read_times(rest: str) -> tuple[time | None, time | None] | None:
    """(start, end) from "17:00-19:00"; (None, None) for nothing; None if unreadable."""
    rest = _TIME_LEAD.sub("", rest.strip(" ,"))
    if not rest:
        return None, None
    if (match := _TIMES.fullmatch(rest)) is None:
        return None
    h1, m1, mer1, suf1, h2, m2, mer2, suf2 = match.groups()
    if not (m1 or mer1 or suf1 or (h2 and (m2 or mer2 or suf2))):
        return None  # a bare number is not a time
    end = _clock(h2, m2, mer2) if h2 else None
    start = _clock(h1, m1, mer1 or mer2)
    if h2 and not mer1 and mer2 and start and end and start > end:
        start = _clock(h1, m1, "am")  # "11-1pm"
    if start is None or (h2 and end is None):
        return None
    return start, end


def _date_prefix(s: str, lang: str) -> tuple[int, int, int | None, str] | None:
    """(day, month, year or None, rest) if ``s`` begins with a date."""
    if match := _ISO_DATE.match(s):
        return int(match[3]), int(match[2]), int(match[1]), s[match.end() :]
    if match := _NUM_DATE.match(s):
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0) if match[3] else None
        return int(match[1]), int(match[2]), year, s[match.end() :]
    if (match := _DAY_MONTH.match(s)) and (month := lexicon.month(match[2], lang)):
        return int(match[1]), month, int(match[3]) if match[3] else None, s[match.end() :]
    if (match := _MONTH_DAY.match(s)) and (month := lexicon.month(match[1], lang)):
        return int(match[2]), month, int(match[3]) if match[3] else None, s[match.end() :]
    return None


def read(text: str, lang: str) -> Written | None:
    """What one entry says, or None if it cannot be read."""
    s = clean(text)
    written = Written()
    if relative := lexicon.relative_day(s):
        written, s = Written(relative=relative[0]), relative[1]
    else:
        if (match := _WEEKDAY_PREFIX.match(s)) and (
            wd := lexicon.weekday(match[1], lang)
        ) is not None:
            written, s = Written(weekday=wd), s[match.end() :]
        if found := _date_prefix(s, lang):
            day, month, year, s = found
            written = Written(day, month, year, written.weekday)
    if (times := read_times(s)) is None:
        return None
    return Written(written.day, written.month, written.year, written.weekday,
                    written.relative, *times)  # fmt: skip


def instant(day: date, at: time | None, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` on ``day`` (its start if ``at`` is None), gaps moved forward."""
    return midnight(day, tz) if at is None else to_utc_forward(day, at, tz)


def place(w: Written, text: str, *, tz: ZoneInfo, now: datetime, lang: str) -> date:
    """The local date an entry means; raises :class:`Problem`."""
    today = local_now(now, tz).date()
    at = w.start
    # A day without a time is not past until it is over.
    horizon = now if at is not None else midnight(today, tz)
    if w.relative is not None:
        day = today + timedelta(days=w.relative)
    elif w.month is None or w.day is None:
        offset = 0 if w.weekday is None else (w.weekday - today.weekday()) % 7
        day = today + timedelta(days=offset)
        if instant(day, at, tz) < horizon:
            day += timedelta(days=7 if w.weekday is not None else 1)
    else:
        years = [w.year] if w.year is not None else list(range(today.year, today.year + 9))
        days = [d for y in years if (d := _valid_date(y, w.month, w.day))]
        if not days:
            raise Problem("invalid", text=text)
        later = [d for d in days if instant(d, at, tz) >= horizon]
        day = later[0] if later and w.year is None else days[0]
        if w.weekday is not None and w.weekday != day.weekday():
            actual, written = show_weekday(day, lang), show_weekday(w.weekday, lang)
            raise Problem("weekday", date=show_date(day, lang), actual=actual, written=written)
    if instant(day, at, tz) < horizon:
        raise Problem("past", text=text)
    for moment in (w.start, w.end):
        if moment is not None and to_utc(day, moment, tz) is None:
            raise Problem("gap", time=show_time(moment), date=show_date(day, lang))
    if w.start is not None and w.end is not None and w.end <= w.start:
        raise Problem("order", start=show_time(w.start), end=show_time(w.end))
    return day


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_duration(text: str, lang: str) -> timedelta | None:
    """The length "10 Tage", "in 3 days", "1 Tag 12 Std" says, or None if it is not one."""
    s = re.sub(r"^(?:in|within|innerhalb von|через|içinde)\s+", "", clean(text))
    parts = _DURATION_PART.findall(s)
    leftover = _DURATION_PART.sub(" ", s).replace(",", " ").split()
    if not parts or any(word not in lexicon.JOINERS for word in leftover):
        return None
    total = timedelta()
    for amount, word in parts:
        if (length := lexicon.unit(word, lang)) is None:
            return None
        total += int(amount) * length
    return total
