"""Fixtures for end-to-end tests: a running bot per test, on each database backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain.clock import FakeClock
from storage.db import SessionMaker
from tests.e2e.harness import World, running_bot


@pytest.fixture
async def world(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> AsyncIterator[World]:
    """The real bot against the emulator; afterwards every Bot API call is checked against the spec."""
    async with running_bot(
        database_url=database_url, sessionmaker=sessionmaker, clock=clock
    ) as world:
        yield world
        assert world.spec_problems() == []
