"""Outbox policy: rate limits, retry delays, quiet hours and message splitting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from domain.delivery import (
    Limits,
    RateLimiter,
    backoff,
    quiet_hours_release,
    split_message,
    visible_length,
)

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2027, 6, 15, 12, 0, tzinfo=UTC)


def ms(n: float) -> datetime:
    return T0 + timedelta(milliseconds=n)


# --- rate limits -----------------------------------------------------------------------------

GROUP, PRIVATE = True, False


@pytest.mark.parametrize(
    ("sends", "ask", "expected"),
    [
        pytest.param([], (1, PRIVATE, 0), 0, id="nothing sent yet"),
        pytest.param([(1, PRIVATE, 0)], (1, PRIVATE, 100), 1000, id="private: one per second"),
        pytest.param([(1, PRIVATE, 0)], (1, PRIVATE, 1500), 1500, id="private: second passed"),
        pytest.param([(1, PRIVATE, 0)], (2, PRIVATE, 100), 100, id="another chat is free"),
        pytest.param(
            [(-5, GROUP, i * 100) for i in range(19)], (-5, GROUP, 2000), 2000, id="19 in a group"
        ),
        pytest.param(
            [(-5, GROUP, i * 100) for i in range(20)],
            (-5, GROUP, 2000),
            60_000,
            id="group: 20 per minute",
        ),
        pytest.param(
            [(-5, GROUP, i * 1000) for i in range(25)],
            (-5, GROUP, 30_000),
            65_000,
            id="group: sliding window",
        ),
        pytest.param(
            [(chat, PRIVATE, chat * 10) for chat in range(25)],
            (99, PRIVATE, 300),
            1000,
            id="global: 25 per second",
        ),
        pytest.param(
            [(chat, PRIVATE, chat * 10) for chat in range(24)],
            (99, PRIVATE, 300),
            300,
            id="global: 24 leave room",
        ),
        pytest.param(
            [(1, PRIVATE, 0), (2, PRIVATE, 0)],
            (3, PRIVATE, 0),
            80,
            id="global: spread evenly, 2 per 80 ms at 25/s",
        ),
        pytest.param(
            [(1, PRIVATE, 0), (2, PRIVATE, 40)],
            (3, PRIVATE, 100),
            100,
            id="global: spread evenly, free again",
        ),
    ],
)
def test_rate_limiter(
    sends: list[tuple[int, bool, int]], ask: tuple[int, bool, int], expected: int
) -> None:
    """The next allowed send respects the global, private-chat and group limits."""
    limiter = RateLimiter()
    for chat, is_group, at in sends:
        limiter.record(chat, is_group, ms(at))
    chat, is_group, at = ask
    assert limiter.next_allowed(chat, is_group, ms(at)) == ms(expected)


def test_rate_limiter_limits_are_configurable() -> None:
    """Custom limits replace Telegram's defaults."""
    limiter = RateLimiter(Limits(global_per_second=1, private_interval=timedelta(seconds=3)))
    limiter.record(1, PRIVATE, T0)
    assert limiter.next_allowed(2, PRIVATE, T0) == ms(1000)
    assert limiter.next_allowed(1, PRIVATE, T0) == ms(3000)


def test_rate_limiter_forgets_idle_chats() -> None:
    """Pruning drops chats whose limits no longer apply, without changing any answer."""
    limiter = RateLimiter()
    limiter.record(1, PRIVATE, T0)
    limiter.record(-5, GROUP, T0)
    limiter.prune(ms(61_000))
    assert limiter.next_allowed(1, PRIVATE, ms(61_000)) == ms(61_000)
    assert limiter.next_allowed(-5, GROUP, ms(61_000)) == ms(61_000)


# --- backoff ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [
        pytest.param(1, 1, 2, id="first retry: 1-2 s"),
        pytest.param(2, 2, 4, id="second: 2-4 s"),
        pytest.param(5, 16, 32, id="fifth: 16-32 s"),
        pytest.param(12, 900, 1800, id="capped at 30 min"),
        pytest.param(10_000, 900, 1800, id="huge attempt stays capped"),
    ],
)
def test_backoff_grows_and_is_capped(attempt: int, low: float, high: float) -> None:
    """Delays double from the base, stay under the cap and keep at least half."""
    for key in ("a", "b", 17):
        assert timedelta(seconds=low) <= backoff(attempt, key=key) <= timedelta(seconds=high)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param(("job-1", 3), ("job-1", 3), True, id="same key and attempt"),
        pytest.param(("job-1", 3), ("job-2", 3), False, id="different jobs spread"),
    ],
)
def test_backoff_jitter_is_deterministic(
    first: tuple[str, int], second: tuple[str, int], same: bool
) -> None:
    """The jitter comes from the job's key, so tests can predict it."""
    one = backoff(first[1], key=first[0])
    two = backoff(second[1], key=second[0])
    assert (one == two) is same


@pytest.mark.parametrize(
    ("retry_after", "expected_at_least"),
    [
        pytest.param(timedelta(seconds=30), timedelta(seconds=30), id="Telegram asks for 30 s"),
        pytest.param(timedelta(0), timedelta(seconds=1), id="zero changes nothing"),
    ],
)
def test_backoff_honours_retry_after(retry_after: timedelta, expected_at_least: timedelta) -> None:
    """Telegram's retry_after is a lower bound."""
    assert backoff(1, key="x", retry_after=retry_after) >= expected_at_least


def test_backoff_counts_from_one() -> None:
    """Attempt 0 is a programming error."""
    with pytest.raises(ValueError, match="from 1"):
        backoff(0)


# --- quiet hours -----------------------------------------------------------------------------


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "bounds", "expected"),
    [
        pytest.param(utc(2027, 6, 15, 12), None, utc(2027, 6, 15, 12), id="daytime"),
        pytest.param(utc(2027, 6, 15, 18, 59), None, utc(2027, 6, 15, 18, 59), id="20:59"),
        pytest.param(utc(2027, 6, 15, 19), None, utc(2027, 6, 16, 6), id="21:00 starts"),
        pytest.param(utc(2027, 6, 15, 21, 30), None, utc(2027, 6, 16, 6), id="23:30"),
        pytest.param(utc(2027, 6, 15, 22, 30), None, utc(2027, 6, 16, 6), id="00:30"),
        pytest.param(utc(2027, 6, 16, 5, 59), None, utc(2027, 6, 16, 6), id="07:59"),
        pytest.param(utc(2027, 6, 16, 6), None, utc(2027, 6, 16, 6), id="08:00 ends"),
        pytest.param(utc(2027, 1, 15, 20), None, utc(2027, 1, 16, 7), id="winter 21:00"),
        pytest.param(
            utc(2027, 3, 27, 21),
            None,
            utc(2027, 3, 28, 6),
            id="spring night: 22:00 CET→08:00 CEST",
        ),
        pytest.param(
            utc(2027, 3, 28, 0, 30), None, utc(2027, 3, 28, 6), id="spring night: in the gap hour"
        ),
        pytest.param(
            utc(2027, 10, 30, 20), None, utc(2027, 10, 31, 7), id="autumn night: 22:00 CEST→08:00"
        ),
        pytest.param(
            utc(2027, 10, 31, 0, 30), None, utc(2027, 10, 31, 7), id="autumn night: 02:30 twice"
        ),
        pytest.param(
            utc(2027, 6, 15, 10, 30), (time(12), time(14)), utc(2027, 6, 15, 12), id="noon quiet"
        ),
        pytest.param(
            utc(2027, 6, 15, 12), (time(12), time(14)), utc(2027, 6, 15, 12), id="after noon quiet"
        ),
        pytest.param(
            utc(2027, 3, 28, 0, 15),
            (time(1), time(2, 30)),
            utc(2027, 3, 28, 1, 30),
            id="end in gap",
        ),
        pytest.param(utc(2027, 6, 15, 21), (time(8), time(8)), utc(2027, 6, 15, 21), id="none"),
    ],
)
def test_quiet_hours_release(
    now: datetime, bounds: tuple[time, time] | None, expected: datetime
) -> None:
    """A proactive message waits for the end of quiet hours, local time, across DST."""
    start, end = bounds or (time(21), time(8))
    assert quiet_hours_release(now, BERLIN, start, end) == expected


# --- splitting -------------------------------------------------------------------------------


class _Checker(HTMLParser):
    """Fails on tags closed out of order or left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"</{tag}> closes nothing"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_part(part: str) -> str:
    """Assert ``part`` is balanced HTML and return its visible text."""
    checker = _Checker()
    checker.feed(part)
    checker.close()
    assert checker.stack == [], f"left open: {checker.stack}"
    return "".join(checker.text)


@pytest.mark.parametrize(
    ("source", "limit", "expected"),
    [
        pytest.param("short", 4096, ["short"], id="fits"),
        pytest.param("a" * 10, 10, ["a" * 10], id="exactly the limit"),
        pytest.param("a" * 11, 10, ["a" * 10, "a"], id="one over: hard cut"),
        pytest.param("aaaa bbbb", 4, ["aaaa", "bbbb"], id="at a space"),
        pytest.param("aa bb. cc dd", 10, ["aa bb.", "cc dd"], id="sentence before word"),
        pytest.param("aa. bb cc", 8, ["aa. bb", "cc"], id="a late word beats an early sentence"),
        pytest.param("aaaa\nbb cc", 9, ["aaaa", "bb cc"], id="line before word"),
        pytest.param(
            "aaaa bbbb\n\ncc\ndd ee", 14, ["aaaa bbbb", "cc\ndd ee"], id="paragraph before line"
        ),
        pytest.param(
            "<b>aaaa bbbb</b>", 5, ["<b>aaaa</b>", "<b>bbbb</b>"], id="tag across the cut"
        ),
        pytest.param(
            "<b><i>aaaa bbbb</i></b> cc",
            5,
            ["<b><i>aaaa</i></b>", "<b><i>bbbb</i></b>", "cc"],
            id="nested tags reopened in order",
        ),
        pytest.param(
            '<a href="https://x.test/?a=1&amp;b=2">aaaa bbbb</a>',
            5,
            [
                '<a href="https://x.test/?a=1&amp;b=2">aaaa</a>',
                '<a href="https://x.test/?a=1&amp;b=2">bbbb</a>',
            ],
            id="link reopened with its href, which does not count",
        ),
        pytest.param(
            "&amp;" * 6, 4, ["&amp;" * 4, "&amp;" * 2], id="entities count once, never split"
        ),
        pytest.param("&lt;b&gt; x", 3, ["&lt;b&gt;", "x"], id="escaped tags are text"),
        pytest.param("😀😀😀", 4, ["😀😀", "😀"], id="emoji count two UTF-16 units"),
        pytest.param("👨‍👩‍👧👨‍👩‍👧", 9, ["👨‍👩‍👧", "👨‍👩‍👧"], id="ZWJ sequence not split"),
        pytest.param("🇩🇪🇹🇷", 6, ["🇩🇪", "🇹🇷"], id="flags not split"),
        pytest.param("🇩🇪🇹🇷🇺🇦", 10, ["🇩🇪🇹🇷", "🇺🇦"], id="flags paired from the start"),
        pytest.param(
            "<pre>line1\n    indented\n    more\nend</pre>",
            12,
            ["<pre>line1</pre>", "<pre>    indented</pre>", "<pre>    more\nend</pre>"],
            id="pre keeps indentation, cuts at lines",
        ),
        pytest.param(
            "<b>aaaa</b>\n\n<i>bbbb</i>", 5, ["<b>aaaa</b>", "<i>bbbb</i>"], id="tags at a cut"
        ),
        pytest.param(
            "<tg-spoiler>aaaa bbbb</tg-spoiler> <blockquote expandable>cc</blockquote>",
            5,
            [
                "<tg-spoiler>aaaa</tg-spoiler>",
                "<tg-spoiler>bbbb</tg-spoiler>",
                "<blockquote expandable>cc</blockquote>",
            ],
            id="Telegram's own tags",
        ),
        pytest.param("aaaa   \n\n   ", 4, ["aaaa"], id="no empty trailing part"),
    ],
)
def test_split_message(source: str, limit: int, expected: list[str]) -> None:
    """Text splits at the best boundary and every part is valid HTML within the limit."""
    parts = split_message(source, limit)
    assert parts == expected
    for part in parts:
        check_part(part)
        assert visible_length(part) <= limit


@pytest.mark.parametrize(
    ("source", "limit"),
    [
        pytest.param(
            "<b>Bitte kommt alle!</b> Wir treffen uns im Rathaus &amp; besprechen die "
            "Tagesordnung.\n\n" * 40,
            100,
            id="paragraphs",
        ),
        pytest.param(("Wort " * 300) + "<i>" + ("kursiv " * 300) + "</i>", 97, id="words"),
        pytest.param("<code>" + "x" * 1000 + "</code>", 128, id="one long token"),
        pytest.param("Привет 👋 مرحبا 😀 " * 200, 4096, id="scripts and emoji"),
    ],
)
def test_split_message_loses_only_whitespace(source: str, limit: int) -> None:
    """Joining the parts gives back the visible text, up to whitespace at the cuts."""
    parts = split_message(source, limit)
    visible = "".join(check_part(part) for part in parts)
    original = check_part(source)
    assert re.sub(r"\s", "", visible) == re.sub(r"\s", "", original)
    assert all(visible_length(part) <= limit for part in parts)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("<b>a</b>", 1, id="tags are free"),
        pytest.param("&amp;&lt;&#128512;", 4, id="entities after parsing"),
        pytest.param("😀", 2, id="astral plane counts twice"),
        pytest.param("ä€", 2, id="BMP counts once"),
    ],
)
def test_visible_length(source: str, expected: int) -> None:
    """Length is measured as Telegram does: visible text in UTF-16 code units."""
    assert visible_length(source) == expected
