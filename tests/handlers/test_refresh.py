"""The refresher's shared poll view: redraws that ask at once share one load, a young view is
reused, and a refresh pass always loads anew."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.telegram_bot import GremiumBot
from domain.clock import FakeClock
from domain.i18n import Translator
from handlers.polls.refresh import PollRefresher
from handlers.polls.view import PollView
from handlers.services import Services
from runtime.health import Runtime
from runtime.throttle import EditThrottle
from storage.db import create_engine, make_sessionmaker

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def services() -> Services:
    """Real services on an in-memory database that these tests never reach."""
    return Services(
        sessionmaker=make_sessionmaker(create_engine("sqlite+aiosqlite://")),
        translator=Translator("en"),
        clock=FakeClock(NOW),
        timezone=ZoneInfo("Europe/Berlin"),
        runtime=Runtime("test", NOW, "SQLite"),
    )


class CountingRefresher(PollRefresher):
    """Loads take a moment and are counted; each load returns a new object."""

    def __init__(self) -> None:
        super().__init__(services(), EditThrottle(GremiumBot("1:test")))
        self.loads = 0

    async def _load(self, poll_id: int) -> PollView | None:
        self.loads += 1
        await asyncio.sleep(0.05)
        view: Any = object()
        return view  # type: ignore[no-any-return]


async def test_redraws_asking_at_once_share_one_load() -> None:
    refresher = CountingRefresher()
    views = await asyncio.gather(*(refresher.view(1) for _ in range(20)))
    assert refresher.loads == 1
    assert all(v is views[0] for v in views)
    assert await refresher.view(1) is views[0]  # young enough: reused
    assert refresher.loads == 1


async def test_a_pass_loads_anew_even_while_a_load_is_under_way() -> None:
    refresher = CountingRefresher()
    first = asyncio.create_task(refresher.view(1))
    await asyncio.sleep(0.01)
    fresh = await refresher.view(1, max_age=0.0)
    older = await first
    assert refresher.loads == 2
    assert fresh is not older
    assert await refresher.view(1) is fresh  # the newest load is the one kept


async def test_a_failed_load_reaches_every_waiter_and_is_not_kept() -> None:
    class Failing(CountingRefresher):
        async def _load(self, poll_id: int) -> PollView | None:
            self.loads += 1
            await asyncio.sleep(0.01)
            raise OSError("database away")

    refresher = Failing()
    results = await asyncio.gather(*(refresher.view(1) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)
    assert refresher.loads == 1
    await asyncio.gather(refresher.view(1), return_exceptions=True)
    assert refresher.loads == 2  # tried again, not a cached failure


async def test_votes_asking_for_the_group_chat_tally_at_once_share_one_look_up() -> None:
    class Targets(CountingRefresher):
        async def _load_tally_target(self, poll_id: int) -> tuple[int, int] | None:
            self.loads += 1
            await asyncio.sleep(0.05)
            return (-100, poll_id)

    refresher = Targets()
    targets = await asyncio.gather(*(refresher._tally_target(7) for _ in range(20)))
    assert targets == [(-100, 7)] * 20
    assert refresher.loads == 1
    assert await refresher._tally_target(7) == (-100, 7)  # kept a while
    assert refresher.loads == 1
