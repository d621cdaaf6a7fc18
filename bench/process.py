"""The bot as its own process (`python -m bot run`), polling an emulator in this process: for
the crash test, for the dispatcher's own speed (a core of its own) and for start-up.

Starting, killing and the log come from the crash suite's ``tests.crash.process.BotProcess``;
this adds the benchmark's configuration, start-up timing and a graceful stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path

from bench.world import ADMIN_ID
from bot.app import bot_data
from bot.config import Settings
from bot.telegram_bot import GremiumBot
from domain.clock import Clock, SystemClock
from handlers.context import BotData
from sandbox.emulator import Emulator
from storage.db import SessionMaker
from tests.crash.process import BotProcess


class Bot:
    """One `gremium run` at a time on ``url`` against ``emu``: started, killed, restarted."""

    def __init__(
        self,
        url: str,
        emu: Emulator,
        workdir: Path,
        *,
        rate: float = 25,
        paid: bool = False,
        check_seconds: float = 1.0,
    ) -> None:
        self.emu = emu
        config = workdir / "config.toml"
        config.write_text(
            f"""
[telegram]
token = "{emu.token}"
api_root = "{emu.api_root}"

[database]
url = "{url}"

[organisation]
admins = [{ADMIN_ID}]
name = "Integrationskonferenz Herne"

[outbox]
rate = {rate}
paid_broadcast = {"true" if paid else "false"}

[cluster]
check_seconds = {check_seconds}

[logging]
level = "WARNING"
""",
            encoding="utf-8",
        )
        self.process = BotProcess(config, workdir / "bot.log", emu)

    @property
    def pid(self) -> int:
        """The running process's id."""
        assert self.process.process is not None
        return self.process.process.pid

    async def start(self, timeout: float = 120) -> float:
        """Start the bot; returns the seconds until it polls (post_init done, sending)."""
        began = time.monotonic()
        await self.process.start()
        await self.process.ready(timeout)
        return time.monotonic() - began

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs. Returns once the emulator has finished the requests
        it had received (what it executed counts as sent)."""
        await self.process.kill("bench")
        for _ in range(1000):  # at most 10 s
            if not self.emu.in_flight:
                return
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """SIGTERM, as a service manager stops it (SIGKILL if it takes longer than 30 s)."""
        running = self.process.process
        if running is not None and running.returncode is None:
            running.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(running.wait(), 30)
        await self.process.stop()


def outside_bot_data(
    sessionmaker: SessionMaker, *, clock: Clock | None = None, admins: frozenset[int] = frozenset()
) -> BotData:
    """The bot's services and engine, built as the bot builds them but never started: for
    releasing and sweeping from outside the bot (its dispatcher finds the rows at its next
    look at the outbox)."""
    settings = Settings(
        token="1:outside",
        database_url="sqlite+aiosqlite://",
        organisation_name="Integrationskonferenz Herne",
        admins=admins,
    )
    bot = GremiumBot(settings.token, base_url=settings.bot_base_url)
    return bot_data(settings, bot, None, sessionmaker=sessionmaker, clock=clock or SystemClock())
