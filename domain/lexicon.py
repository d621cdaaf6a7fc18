"""Words people type for weekdays, months, relative days and time units, in every language.

Weekday and month names and duration units come from Babel's CLDR data, so each supported
language is covered without hand-written lists; a few colloquial forms are added by hand.
Lookups try the writer's language first, then German and English, then the others, so an
abbreviation that means different things in two languages ("Sa") resolves deterministically.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Literal

from babel import Locale

from domain.i18n import SUPPORTED_LANGUAGES

Kind = Literal["weekday", "month", "unit"]

_APOSTROPHES = str.maketrans({"ʼ": "'", "’": "'", "`": "'"})

#: Colloquial forms CLDR does not list, by language: word -> weekday (Monday = 0).
_EXTRA_WEEKDAYS: dict[str, dict[str, int]] = {
    "en": {"tues": 1, "weds": 2, "thur": 3, "thurs": 3},
    "de": {"mittwochs": 2, "dienstags": 1, "donnerstags": 3, "montags": 0, "freitags": 4},
}
#: Colloquial month forms CLDR does not list: word -> month.
_EXTRA_MONTHS: dict[str, dict[str, int]] = {
    "en": {"sept": 9},
    "de": {"mrz": 3, "maerz": 3, "sep": 9},
}
#: Units CLDR lists only in forms we do not read (German dative after "in").
_EXTRA_UNITS: dict[str, dict[str, str]] = {
    "en": {"d": "day", "h": "hour", "w": "week", "m": "minute", "hrs": "hour", "mins": "minute"},
    "de": {"tagen": "day", "wochen": "week", "std": "hour", "stunden": "hour", "t": "day"},
}
UNIT_LENGTHS: dict[str, timedelta] = {
    "week": timedelta(weeks=1),
    "day": timedelta(days=1),
    "hour": timedelta(hours=1),
    "minute": timedelta(minutes=1),
}
#: Words for "today", "tomorrow", "the day after tomorrow": phrase -> days from today.
RELATIVE_DAYS: dict[str, int] = {
    "heute": 0,
    "morgen": 1,
    "übermorgen": 2,
    "today": 0,
    "tomorrow": 1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "bugün": 0,
    "yarın": 1,
    "öbür gün": 2,
    "сегодня": 0,
    "завтра": 1,
    "послезавтра": 2,
    "сьогодні": 0,
    "післязавтра": 2,
    "اليوم": 0,
    "غدا": 1,
    "غدًا": 1,
    "بعد غد": 2,
    "بعد الغد": 2,
}
#: Words that join list items or ranges: "Di und Do", "Mo bis Fr".
JOINERS = frozenset({"und", "and", "ve", "и", "і", "та", "و", "sowie", "or", "oder"})
RANGE_WORDS = frozenset({"bis", "to", "through", "till", "until", "до", "по", "-"})


def fold(word: str) -> str:
    """Normalize a word for lookup: case, apostrophes, trailing dots, Unicode form."""
    word = unicodedata.normalize("NFC", word.translate(_APOSTROPHES)).casefold()
    return word.strip(" .,")


def strip_accents(word: str) -> str:
    """The word without diacritics, so "Marz" finds "März" and "sali" finds "salı"."""
    decomposed = unicodedata.normalize("NFKD", word.replace("ı", "i"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _languages_for(lang: str) -> tuple[str, ...]:
    """The order in which languages are searched for someone writing in ``lang``."""
    first = (lang, "de", "en")
    return tuple(dict.fromkeys((*first, *SUPPORTED_LANGUAGES)))


def _names(contexts: object) -> Iterable[tuple[int, str]]:
    """All (index, name) pairs of a Babel ``days``/``months`` mapping, every context and width."""
    for context in ("format", "stand-alone"):
        widths = contexts[context]  # type: ignore[index]
        for width in ("wide", "abbreviated", "short"):
            if width in widths:
                yield from widths[width].items()


def _add(table: dict[str, int], word: str, value: int) -> None:
    for key in (fold(word), strip_accents(fold(word))):
        if key:
            table.setdefault(key, value)


@cache
def _table(kind: Kind, lang: str) -> dict[str, object]:
    locale = Locale.parse(lang)
    table: dict[str, int] = {}
    if kind == "weekday":
        for index, name in _names(locale.days):
            _add(table, name, index)
        for word, index in _EXTRA_WEEKDAYS.get(lang, {}).items():
            _add(table, word, index)
        return dict(table)
    if kind == "month":
        for index, name in _names(locale.months):
            _add(table, name, index)
        for word, index in _EXTRA_MONTHS.get(lang, {}).items():
            _add(table, word, index)
        return dict(table)
    units: dict[str, object] = {}
    patterns = locale._data["unit_patterns"]
    for unit in UNIT_LENGTHS:
        lengths = patterns[f"duration-{unit}"]
        for length in ("long", "short", "narrow"):
            # Narrow forms collide across languages ("h" is a week in Turkish): de/en only.
            if length not in lengths or (length == "narrow" and lang not in ("de", "en")):
                continue
            for form, pattern in lengths[length].items():
                if form != "per":
                    word = fold(pattern.replace("{0}", ""))
                    for key in (word, strip_accents(word)):
                        units.setdefault(key, unit)
    for word, unit in _EXTRA_UNITS.get(lang, {}).items():
        units.setdefault(word, unit)
    return units


def lookup(kind: Kind, word: str, lang: str) -> object | None:
    """The value for ``word`` in the writer's language, else German, English, the others."""
    key = fold(word)
    if not key:
        return None
    for candidate in _languages_for(lang):
        table = _table(kind, candidate)
        for variant in (key, strip_accents(key)):
            if variant in table:
                return table[variant]
    return None


def weekday(word: str, lang: str) -> int | None:
    """Monday = 0 … Sunday = 6 for a weekday name or abbreviation, or None."""
    value = lookup("weekday", word, lang)
    return value if isinstance(value, int) else None


def month(word: str, lang: str) -> int | None:
    """1 … 12 for a month name or abbreviation, or None."""
    value = lookup("month", word, lang)
    return value if isinstance(value, int) else None


def unit(word: str, lang: str) -> timedelta | None:
    """The length of one duration unit ("Tage", "days", "h"), or None."""
    value = lookup("unit", word, lang)
    return UNIT_LENGTHS[value] if isinstance(value, str) else None


_RELATIVE = sorted(RELATIVE_DAYS, key=len, reverse=True)


def relative_day(text: str) -> tuple[int, str] | None:
    """Split "morgen 9:00" into (1, "9:00") when ``text`` begins with a relative day word."""
    folded = fold(text)
    for phrase in _RELATIVE:
        if re.match(rf"{re.escape(phrase)}(?![\w])", folded):
            return RELATIVE_DAYS[phrase], folded[len(phrase) :].strip(" ,")
    return None
