"""Fault injection: make chosen requests fail the ways Telegram and networks fail.

Kinds: "429" (flood control with ``retry_after``), "500" (Internal Server Error), "502" (an
HTML Bad Gateway page from the front proxy), "slow" (answer after ``delay`` seconds) and "drop"
(close the connection without an answer). A rule applies to ``methods`` (names, any case; None
for all), to the next ``count`` matching requests, and/or with probability ``rate`` per request
from a seeded ``random.Random``. With ``executed=True`` a 500/502/drop happens after the method
ran, so the bot cannot know that e.g. its message was sent.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = frozenset({"429", "500", "502", "slow", "drop"})


@dataclass
class Fault:
    """One injection rule."""

    kind: str
    methods: frozenset[str] | None
    count: int | None
    rate: float | None
    retry_after: int
    delay: float
    executed: bool

    def matches(self, method: str) -> bool:
        """Whether this rule is about ``method``."""
        return self.methods is None or method.lower() in self.methods


class Faults:
    """The active rules, a seeded random source and counters of what was injected."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[Fault] = []
        self.random = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def seed(self, value: int) -> None:
        """Reseed the random source used for ``rate``."""
        self.random.seed(value)

    def add(
        self,
        kind: str,
        *,
        methods: Iterable[str] | str | None = None,
        count: int | None = None,
        rate: float | None = None,
        retry_after: int = 1,
        delay: float = 1.0,
        executed: bool = False,
    ) -> Fault:
        """Add a rule; without ``count`` and ``rate`` it applies to every matching request."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(KINDS)}")
        names = [methods] if isinstance(methods, str) else methods
        chosen = None if names is None else frozenset(m.lower() for m in names)
        fault = Fault(kind, chosen, count, rate, retry_after, delay, executed)
        self.rules.append(fault)
        return fault

    def clear(self) -> None:
        """Remove all rules (the counters stay)."""
        self.rules.clear()

    def pick(self, method: str) -> Fault | None:
        """The rule that fires for this request, if any, and count it."""
        for fault in self.rules:
            if not fault.matches(method):
                continue
            if fault.rate is not None and self.random.random() >= fault.rate:
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.rules.remove(fault)
            self.injected[fault.kind] += 1
            return fault
        return None
