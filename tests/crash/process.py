"""`gremium run` as a separate process against the emulator in the test process, killed with
SIGKILL and started again; and how to tell that it is done with everything."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from sandbox.emulator import Emulator
from storage.db import SessionMaker
from storage.models import Delivery, DeliveryStatus, DueTask, InboundUpdate
from tests.e2e.harness import ADMIN_ID

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, *, api_root: str, database_url: str, token: str) -> Path:
    """A config for the bot under test: no quiet hours, a slow outbox (so a broadcast takes a
    while and a kill lands in it), quick leadership checks, the groups on a meeting rhythm that
    opens nothing by itself during the test."""
    path.write_text(
        f"""
[telegram]
token = "{token}"
api_root = "{api_root}"
timeout = 5

[database]
url = "{database_url}"

[organisation]
admins = [{ADMIN_ID}]

[outbox]
rate = 5
per_chat_interval = 0.05
quiet_hours_start = "00:00"
quiet_hours_end = "00:00"

[polls]
tally_edit_seconds = 0.2

[cluster]
check_seconds = 0.5

[cadence]
# The groups met recently, so their next poll is months away, until the test moves it.
last_meeting = {date.today() - timedelta(days=7):%Y-%m-%d}

[logging]
level = "INFO"

[[groups]]
slug = "bildung"
name = "Bildung"

[[groups]]
slug = "kultur"
name = "Kultur"
review = false
""",
        encoding="utf-8",
    )
    return path


class BotProcess:
    """One `python -m bot run` at a time; ``kill`` is SIGKILL, nothing runs after it."""

    def __init__(self, config: Path, log: Path, emu: Emulator) -> None:
        self.config = config
        self.log = log
        self.emu = emu
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills: list[tuple[str, datetime]] = []

    async def start(self) -> None:
        """Start the bot (it migrates the database first)."""
        assert self.process is None
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "1"}
        env.pop("GREMIUM_TOKEN", None)
        env.pop("GREMIUM_DATABASE_URL", None)
        env.pop("GREMIUM_API_ROOT", None)
        with self.log.open("a") as out:
            out.write(f"\n---- start {self.starts + 1} ----\n")
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(self.config),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )
        self.starts += 1

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the bot polls for updates."""
        generation = self.emu.core.poll_generation
        await until(lambda: self._polling(generation), timeout, "the bot to poll", self)

    async def _polling(self, generation: int) -> bool:
        if self.process is not None and self.process.returncode is not None:
            raise AssertionError(f"the bot exited with {self.process.returncode}; see {self.log}")
        return self.emu.core.poll_generation > generation

    async def kill(self, point: str) -> datetime:
        """SIGKILL; returns the moment (UTC)."""
        assert self.process is not None
        at = datetime.now(UTC)
        self.process.kill()
        await self.process.wait()
        self.process = None
        self.kills.append((point, at))
        return at

    async def stop(self) -> None:
        """Kill whatever still runs (end of the test)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the bot's log, for assertion messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


async def until(
    check: Callable[[], Awaitable[bool]], timeout: float, what: str, bot: BotProcess
) -> None:
    """Poll ``check`` until it is true; fail with the bot's log after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{bot.log_tail()}")
        await asyncio.sleep(0.05)


async def _busy(sessionmaker: SessionMaker) -> str | None:
    """What the database says is still to do, if anything."""
    now = datetime.now(UTC)
    checks = {
        "unhandled updates": select(func.count())
        .select_from(InboundUpdate)
        .where(col(InboundUpdate.handled_at).is_(None)),
        "messages due": select(func.count())
        .select_from(Delivery)
        .where(
            (col(Delivery.status) == DeliveryStatus.SENDING)
            | (
                (col(Delivery.status) == DeliveryStatus.PENDING)
                & (col(Delivery.not_before) <= now)
            )
        ),
        "steps due": select(func.count())
        .select_from(DueTask)
        .where(
            col(DueTask.done_at).is_(None),
            col(DueTask.cancelled).is_(False),
            col(DueTask.due_at) <= now,
        ),
    }
    async with sessionmaker() as session:
        for what, query in checks.items():
            if (await session.exec(query)).one():
                return what
    return None


async def quiet(
    emu: Emulator, sessionmaker: SessionMaker, bot: BotProcess, timeout: float = 60
) -> None:
    """Wait until every update is handled, nothing due is left to send or do, and the bot has
    made no request for 0.3 seconds."""

    async def check() -> bool:
        if emu.pending_updates or emu.in_flight or await _busy(sessionmaker):
            return False
        calls = len(emu.calls)
        await asyncio.sleep(0.3)
        return len(emu.calls) == calls and not emu.in_flight and not emu.pending_updates

    await until(check, timeout, "the bot to finish its work", bot)
