"""Fixtures for the emulator's tests: a running emulator, raw HTTP access, a PTB bot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from domain.clock import FakeClock
from sandbox.emulator import Emulator, UserHandle, default_spec_path

SPEC = default_spec_path()
NO_SPEC = (
    "api.json not found: set GREMIUM_BOT_API_SPEC or put it at ../shared/telegram-bot-api/api.json"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")


@pytest.fixture
def spec_path() -> Path:
    """The Bot API spec, or a visible skip."""
    if SPEC is None:
        pytest.skip(NO_SPEC)
    return SPEC


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    """A running emulator with only its built-in table (as in a fresh clone), on the test
    clock."""
    async with Emulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
def alice(emu: Emulator) -> UserHandle:
    """A user who has started the bot."""
    return emu.user(1001, "Alice", username="alice")


class Api:
    """Raw Bot API calls over HTTP: returns (status, JSON body)."""

    def __init__(self, session: aiohttp.ClientSession, emu: Emulator) -> None:
        self.session = session
        self.emu = emu

    async def __call__(
        self, method: str, *, transport: str = "json", token: str | None = None, **params: Any
    ) -> tuple[int, dict[str, Any]]:
        url = f"{self.emu.api_root}/bot{token or self.emu.token}/{method}"
        as_text = {
            k: v if isinstance(v, str) else json.dumps(v)
            for k, v in params.items()
            if not isinstance(v, bytes)
        }
        if transport == "json":
            request = self.session.post(url, json=params)
        elif transport == "query":
            request = self.session.get(url, params=as_text)
        elif transport == "form":
            request = self.session.post(url, data=as_text)
        else:
            form = aiohttp.FormData()
            for key, value in params.items():
                if isinstance(value, bytes):
                    form.add_field(key, value, filename=f"{key}.bin")
                else:
                    form.add_field(key, as_text[key])
            request = self.session.post(url, data=form)
        async with request as response:
            return response.status, await response.json(content_type=None)

    async def ok(self, method: str, **params: Any) -> Any:
        """The result of a call that must succeed."""
        status, body = await self(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]


@pytest.fixture
async def api(emu: Emulator) -> AsyncIterator[Api]:
    """Raw HTTP access to the running emulator."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, emu)


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    """A python-telegram-bot Bot pointed at the emulator."""
    async with Bot(
        emu.token,
        base_url=f"{emu.api_root}/bot",
        base_file_url=f"{emu.api_root}/file/bot",
    ) as telegram_bot:
        yield telegram_bot
