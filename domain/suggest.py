"""Suggesting meeting dates: spread over a window, off holidays and other groups' meetings.

Public holidays and school holidays come from the ``holidays`` package: its German calendar has
a ``school`` category with the Ferien of every state, taken from the KMK Ferienkalender. Its
data reaches the summer holidays of 2029 for NRW; :func:`school_holidays_known` tells whether a
year is covered. Community holidays come from calendars in which ``holidays`` lists religious
holidays as categories of their own (see :data:`EXTRA_CALENDARS`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays
from babel.lists import format_list

from domain.candidates import Candidate
from domain.dates import TimeWindow
from domain.errors import GremiumError
from domain.i18n import lazy_plural
from domain.localtime import BERLIN, local_now, show_date, show_time, show_weekday, to_utc

#: Community holiday calendars by name: (country, category) sources in ``holidays`` whose
#: category holds only that community's holidays. Montenegro lists Eid al-Fitr and Eid al-Adha
#: (three days each), Orthodox Christmas and Easter; Argentina and Montenegro together list
#: Rosh Hashanah, Yom Kippur and the first and last days of Pesach.
EXTRA_CALENDARS: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "islamic": (("ME", holidays.ISLAMIC),),
        "orthodox": (("ME", holidays.ORTHODOX),),
        "jewish": (("AR", holidays.HEBREW), ("ME", holidays.HEBREW)),
    }
)
#: Calendars whose holidays begin at sunset: the evening before is blocked too.
EVE_CALENDARS = frozenset({"jewish"})
_SEARCH_AHEAD = timedelta(days=366)


class BlockKind(StrEnum):
    """Why a day is not suggested."""

    PUBLIC = "public"
    SCHOOL = "school"
    COMMUNITY = "community"
    BUSY = "busy"


@dataclass(frozen=True)
class Block:
    """A reason a day is left out; ``name`` is the holiday's name (empty for busy days)."""

    kind: BlockKind
    name: str = ""


def _language(country: str, lang: str) -> str:
    """The ``holidays`` language for names: the reader's, else German at home, else English.

    Always explicit: with ``language=None`` the package guesses from the process locale.
    """
    localized = holidays.list_localized_countries().get(country, [])
    code = "en_US" if lang == "en" else lang
    if code in localized:
        return code
    return "de" if country == "DE" else "en_US"


@cache
def _holidays(
    country: str, subdiv: str | None, category: str, year: int, lang: str
) -> Mapping[date, str]:
    found = holidays.country_holidays(
        country,
        subdiv=subdiv,
        categories=(category,),
        years=year,
        language=_language(country, lang),
    )
    return MappingProxyType(dict(found))


def school_holidays_known(year: int, state: str = "NW") -> bool:
    """Whether ``holidays`` has school holidays of ``state`` for ``year``."""
    return bool(_holidays("DE", state, holidays.SCHOOL, year, "de"))


def blocked_days(
    first_day: date,
    last_day: date,
    *,
    state: str = "NW",
    extra_calendars: Sequence[str] = (),
    busy_days: Collection[date] = (),
    lang: str = "de",
) -> dict[date, Block]:
    """The days from ``first_day`` to ``last_day`` that are holidays or busy, with the reason."""
    unknown = [name for name in extra_calendars if name not in EXTRA_CALENDARS]
    if unknown:
        raise GremiumError(
            'I do not know the holiday calendar "{name}". Known calendars: {known}.',
            name=unknown[0], known=", ".join(EXTRA_CALENDARS),
        )  # fmt: skip
    sources: list[tuple[str, str | None, str, BlockKind, int]] = [
        ("DE", state, holidays.PUBLIC, BlockKind.PUBLIC, 0),
        ("DE", state, holidays.SCHOOL, BlockKind.SCHOOL, 0),
    ]
    for name in extra_calendars:
        eve = int(name in EVE_CALENDARS)
        sources += [(c, None, cat, BlockKind.COMMUNITY, eve) for c, cat in EXTRA_CALENDARS[name]]
    blocked: dict[date, Block] = {}
    for year in range(first_day.year, last_day.year + 2):
        for country, subdiv, category, kind, eve in sources:
            for day, name in _holidays(country, subdiv, category, year, lang).items():
                for blocked_day in (day - timedelta(days=i) for i in range(eve + 1)):
                    if first_day <= blocked_day <= last_day:
                        blocked.setdefault(blocked_day, Block(kind, name))
    for day in busy_days:
        if first_day <= day <= last_day:
            blocked.setdefault(day, Block(BlockKind.BUSY))
    return dict(sorted(blocked.items()))


@dataclass(frozen=True)
class _Rules:
    """What decides whether a day fits, apart from the range and the weekdays."""

    now: datetime
    tz: ZoneInfo
    state: str
    extra_calendars: Sequence[str]
    busy_days: Collection[date]
    lang: str

    def fitting(
        self, first_day: date, last_day: date, weekdays: Collection[int], start: time
    ) -> list[date]:
        """Days in the range on the weekdays, not blocked, on which ``start`` is still ahead."""
        blocked = blocked_days(
            first_day, last_day, state=self.state, extra_calendars=self.extra_calendars,
            busy_days=self.busy_days, lang=self.lang,
        )  # fmt: skip
        days = (first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1))
        return [
            day
            for day in days
            if day.weekday() in weekdays
            and day not in blocked
            and (begins := to_utc(day, start, self.tz)) is not None
            and begins >= self.now
        ]


def spread(days: Sequence[date], count: int, first_day: date, last_day: date) -> list[date]:
    """Pick ``count`` of the ``days``, each nearest the middle of one of ``count`` equal slices.

    Ties go to the earlier day, so the result is deterministic.
    """
    span = (last_day - first_day).days + 1
    chosen: set[date] = set()
    for i in range(min(count, len(days))):
        target = (i + 0.5) * span / count  # in days from first_day; a day's middle is +0.5
        free = [day for day in days if day not in chosen]
        chosen.add(min(free, key=lambda day: (abs((day - first_day).days + 0.5 - target), day)))
    return sorted(chosen)


def _check_period(first_day: date, last_day: date, lang: str) -> None:
    """Raise if the period ends before it begins."""
    if last_day < first_day:
        raise GremiumError(
            "The period ends ({last}) before it begins ({first}).",
            first=show_date(first_day, lang), last=show_date(last_day, lang),
        )  # fmt: skip


def _meeting_times(
    window: TimeWindow, start: time | None, duration: timedelta | None, first_day: date
) -> tuple[time, timedelta]:
    """When suggested meetings begin and how long they last; raises if that leaves ``window``."""
    begin = start or window.start
    length = duration or (
        datetime.combine(first_day, window.end) - datetime.combine(first_day, begin)
    )
    if not window.start <= begin or length <= timedelta(0) or _ends(begin, length) > window.end:
        raise GremiumError(
            "A meeting from {start} for {minutes} minutes does not fit into the time window "
            "{window_start}-{window_end}.",
            start=show_time(begin), minutes=int(length.total_seconds() // 60),
            window_start=show_time(window.start), window_end=show_time(window.end),
        )  # fmt: skip
    return begin, length


def suggest_dates(
    *,
    first_day: date,
    last_day: date,
    weekdays: Collection[int],
    window: TimeWindow,
    count: int,
    now: datetime,
    start: time | None = None,
    duration: timedelta | None = None,
    tz: ZoneInfo = BERLIN,
    state: str = "NW",
    extra_calendars: Sequence[str] = (),
    busy_days: Collection[date] = (),
    lang: str = "de",
) -> list[Candidate]:
    """Suggest ``count`` meeting dates spread evenly from ``first_day`` to ``last_day``.

    Meetings start at ``start`` (default: the window's start) and last ``duration`` (default:
    to the window's end). Public and school holidays of ``state``, community holidays of
    ``extra_calendars`` and ``busy_days`` are left out, and so is anything before ``now``.
    Raises :class:`GremiumError` saying what would work if fewer than ``count`` dates fit.
    """
    if count < 1 or not weekdays:
        raise ValueError("suggest at least one date on at least one weekday")
    _check_period(first_day, last_day, lang)
    begin, length = _meeting_times(window, start, duration, first_day)
    first_day = max(first_day, local_now(now, tz).date())
    rules = _Rules(now, tz, state, extra_calendars, busy_days, lang)
    days = rules.fitting(first_day, last_day, weekdays, begin)
    if len(days) < count:
        _too_few(len(days), count, first_day, last_day, weekdays, begin, rules)
    return [
        Candidate.timed(begins, begins + length)
        for day in spread(days, count, first_day, last_day)
        if (begins := to_utc(day, begin, tz)) is not None
    ]


def _ends(begin: time, length: timedelta) -> time:
    end = datetime.combine(date(2000, 1, 1), begin) + length
    return time.max if end.date() > date(2000, 1, 1) else end.time()


def _too_few(
    found: int,
    wanted: int,
    first_day: date,
    last_day: date,
    weekdays: Collection[int],
    begin: time,
    rules: _Rules,
) -> None:
    """Raise the error that says how many dates fit and what would give enough."""
    lang = rules.lang
    names = format_list([show_weekday(d, lang) for d in sorted(weekdays)], "or", locale=lang)
    params = {"found": found, "weekdays": names,
              "first": show_date(first_day, lang), "last": show_date(last_day, lang)}  # fmt: skip
    later = rules.fitting(last_day + timedelta(days=1), last_day + _SEARCH_AHEAD, weekdays, begin)
    if len(later) >= wanted - found:
        enough = show_date(later[wanted - found - 1], lang)
        if found == 0:
            raise GremiumError(
                "No date fits between {first} and {last} on {weekdays}, leaving out holidays, "
                "school holidays and days with other meetings. Extend the period to {enough} "
                "or choose more weekdays.",
                enough=enough, **params,
            )  # fmt: skip
        raise GremiumError(lazy_plural(
            "Only {found} of {n} date fits between {first} and {last} on {weekdays}, "
            "leaving out holidays, school holidays and days with other meetings. Extend the "
            "period to {enough} or choose more weekdays.",
            "Only {found} of {n} dates fit between {first} and {last} on {weekdays}, "
            "leaving out holidays, school holidays and days with other meetings. Extend the "
            "period to {enough} or choose more weekdays.",
            wanted, enough=enough, **params,
        ))  # fmt: skip
    raise GremiumError(lazy_plural(
        "Only {found} of {n} date fits between {first} and {last} on {weekdays}, leaving "
        "out holidays, school holidays and days with other meetings. Choose more weekdays.",
        "Only {found} of {n} dates fit between {first} and {last} on {weekdays}, leaving "
        "out holidays, school holidays and days with other meetings. Choose more weekdays.",
        wanted, **params,
    ))  # fmt: skip
