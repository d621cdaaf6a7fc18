"""The groups created on first start, each with its meeting rhythm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any

from bot.config.errors import ConfigError
from bot.config.schema import Cadence, Group, RhythmKeys
from bot.config.settings import InitialGroup
from bot.config.values import parse_clock
from domain.cadence import Rhythm
from domain.dates import parse_weekdays
from domain.errors import GremiumError

RHYTHM_KEYS = frozenset(RhythmKeys.model_fields)


def initial_groups(groups: Sequence[Group], cadence: Cadence) -> tuple[InitialGroup, ...]:
    """The ``[[groups]]``: slugs used once, each with [cadence] overlaid by its own rhythm."""
    defaults = _rhythm_values(cadence)
    if cadence.enabled and defaults:
        build_rhythm("cadence", defaults)  # the defaults are checked even without groups
    seen: set[str] = set()
    out: list[InitialGroup] = []
    for i, group in enumerate(groups):
        key = f"groups[{i}]"
        if group.slug in seen:
            raise ConfigError(f"{key}.slug", f'"{group.slug}" is used twice')
        seen.add(group.slug)
        own = _rhythm_values(group)
        rhythm = None
        if cadence.enabled and (cadence.model_fields_set or own):
            rhythm = build_rhythm(key, {**defaults, **own})
        out.append(InitialGroup(slug=group.slug, name=group.name, rhythm=rhythm))
    return tuple(out)


def _rhythm_values(keys: RhythmKeys) -> dict[str, Any]:
    return {k: v for k, v in keys.model_dump(include=set(RHYTHM_KEYS)).items() if v is not None}


def build_rhythm(key: str, values: Mapping[str, Any]) -> Rhythm:
    """A rhythm from [cadence] defaults overlaid with a group's own values."""
    try:
        start, end = _window(key, values.get("time", "16:00-19:00"))
        weekdays = {
            day
            for name in values.get("weekdays", ["tue", "thu"])
            for day in parse_weekdays(str(name), lang="en")
        }
        rhythm = Rhythm(
            per_year=values.get("meetings_per_year", 3),
            weekdays=tuple(sorted(weekdays)),
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
        raise ConfigError(key, exc.text.msgid.format(**exc.text.params)) from None
    return rhythm


def _window(key: str, text: str) -> tuple[time, time]:
    try:
        start, end = (parse_clock(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ConfigError(key + ".time", 'must look like "16:00-19:00"') from None
    return start, end
