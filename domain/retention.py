"""Retention periods: how far back "n months ago" is. Pure; the caller passes ``now``."""

from __future__ import annotations

import calendar
from datetime import datetime


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier; the month's last day if the
    earlier month is shorter (31 March minus one month is 28 or 29 February)."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
