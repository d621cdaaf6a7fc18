"""End-to-end harness: the real bot, polling the Bot API emulator over HTTP on loopback."""

from __future__ import annotations

import asyncio
import os
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import GremiumApp, build_application
from bot.config import InitialGroup, Settings
from bot.inbox import InboxQueue
from bot.processing import TrackingUpdateProcessor
from domain.clock import FakeClock
from handlers.jobs import sweep
from sandbox.emulator import ChatMessage, Emulator
from sandbox.emulator import UserHandle as User
from sandbox.emulator.spec import SpecValidator
from storage.db import SessionMaker

ROOT = Path(__file__).resolve().parents[2]
#: The version, written once in pyproject.toml (the installed metadata is read from it).
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
ADMIN_ID = 900_001
GROUPS = (
    InitialGroup("ausbildung-arbeit", "Ausbildung und Arbeit"),
    InitialGroup("bildung", "Bildung"),
    InitialGroup("gesundheit", "Gesundheit"),
    InitialGroup("kultur", "Kultur"),
    InitialGroup("wohnen", "Wohnen und Stadtentwicklung"),
    InitialGroup("interkulturelle-oeffnung", "Interkulturelle Öffnung der Stadtverwaltung"),
)


def spec_path() -> Path | None:
    """api.json from GREMIUM_BOT_API_SPEC or ../shared beside the checkout, if present."""
    env = os.environ.get("GREMIUM_BOT_API_SPEC")
    path = Path(env) if env else ROOT.parent / "shared" / "telegram-bot-api" / "api.json"
    return path if path.exists() else None


@dataclass
class World:
    """A running bot, its emulator, database and clock."""

    emu: Emulator
    app: GremiumApp
    processor: TrackingUpdateProcessor
    sessionmaker: SessionMaker
    clock: FakeClock
    settings: Settings
    checked_calls: int = field(default=0)
    #: Updates handled by bots stopped before the current one (see :func:`restart`).
    handled_before: int = field(default=0)

    async def settle(self, timeout: float = 20.0) -> None:
        """Wait until every update is handled, the outbox has sent what is due, and no request
        is in flight."""
        async with asyncio.timeout(timeout):
            await self._updates_handled(timeout)
            for _ in range(3):  # sends can lead to edits and edits to nothing more
                await self.app.bot_data.dispatcher.drain(timeout)
                await self.app.bot_data.reports.flush()
                await self.app.bot_data.refresher.flush()
                await self.app.bot_data.throttle.flush()
            await self._updates_handled(timeout)

    @property
    def duplicates(self) -> int:
        """Updates delivered again and dropped by the inbox."""
        queue = self.app.update_queue
        return queue.duplicates if isinstance(queue, InboxQueue) else 0

    async def tick(self, delta: timedelta = timedelta(0)) -> None:
        """Move the clock forward, run the periodic sweep once, and settle."""
        self.clock.advance(delta)
        await sweep(self.app.bot_data)
        await self.settle()

    async def _updates_handled(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self.emu.wait_delivered(timeout=timeout)
            while True:
                await self.processor.wait_idle()
                await asyncio.sleep(0)
                if (
                    self.processor.in_progress == 0
                    and self.app.update_queue.empty()
                    and self.processor.processed + self.duplicates + self.handled_before
                    >= self.emu.delivered_updates
                    and self.emu.in_flight == 0
                ):
                    return
                await asyncio.sleep(0.005)

    async def send(self, user: User, text: str, **kwargs: object) -> ChatMessage:
        """The user sends ``text``; returns the bot's first reply in that chat once settled (or
        its newest message, if it did not reply)."""
        before = len(user.bot_messages)
        await user.send(text, **kwargs)
        await self.settle()
        messages = user.bot_messages
        return messages[before] if len(messages) > before else messages[-1]

    async def press(
        self, user: User, label: str, *, message: ChatMessage | None = None
    ) -> ChatMessage:
        """The user presses a button; returns the bot's new message once settled, or the pressed
        message as it looks now if the bot edited it in place instead."""
        pressed = message or next(
            m for m in reversed(user.bot_messages) if label in m.button_labels
        )
        before = len(user.bot_messages)
        await user.press(label, message=pressed)
        await self.settle()
        if len(user.bot_messages) > before:
            return user.last
        return next(m for m in user.bot_messages if m.message_id == pressed.message_id)

    async def send_in(self, user: User, chat: int, text: str) -> ChatMessage:
        """The user writes ``text`` in a group chat; returns the bot's first reply there."""
        before = len([m for m in self.emu.messages(chat) if m.from_bot])
        await user.send(text, chat=chat)
        await self.settle()
        replies = [m for m in self.emu.messages(chat) if m.from_bot]
        return replies[before] if len(replies) > before else replies[-1]

    def spec_problems(self) -> list[str]:
        """Every Bot API call the bot made, checked against api.json (empty if it is absent)."""
        path = spec_path()
        if path is None:
            return []
        validator = SpecValidator.load(path)
        problems: list[str] = []
        for call in self.emu.calls:
            if not call.params and call.status in (0, 429, 500, 502):
                continue  # an injected fault answered before the request was read
            problems += [
                f"{call.method}: {p}" for p in validator.check_call(call.method, call.params)
            ]
        self.checked_calls = len(self.emu.calls)
        return problems


@asynccontextmanager
async def running_bot(
    *,
    database_url: str,
    sessionmaker: SessionMaker,
    clock: FakeClock,
    admins: frozenset[int] = frozenset({ADMIN_ID}),
    groups: tuple[InitialGroup, ...] = GROUPS,
    **overrides: Any,
) -> AsyncIterator[World]:
    """Start the emulator and the real bot against it; stop both afterwards. ``overrides``
    replace settings (e.g. ``request_timeout``)."""
    emu = Emulator(spec_path=spec_path(), clock=clock)
    await emu.start()
    settings = Settings(
        token=emu.token,
        database_url=database_url,
        api_root=emu.api_root,
        admins=admins,
        groups=groups,
        organisation_name="Integrationskonferenz Herne",
        organisation_contact="integration@example.org",
        tally_edit_seconds=0.2,
        per_chat_interval=0.05,
    )
    settings = replace(settings, **overrides)
    app, processor = await start_bot(settings, sessionmaker, clock)
    world = World(emu, app, processor, sessionmaker, clock, settings)
    try:
        yield world
    finally:
        await stop_bot(world.app)
        await emu.stop()


async def start_bot(
    settings: Settings, sessionmaker: SessionMaker, clock: FakeClock
) -> tuple[GremiumApp, TrackingUpdateProcessor]:
    """Build and start the bot as `gremium run` does (polling)."""
    processor = TrackingUpdateProcessor()
    app = build_application(
        settings, sessionmaker=sessionmaker, clock=clock, update_processor=processor
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)  # run_polling would call it; here the test drives the lifecycle
    await app.start()
    assert app.job_queue is not None
    for job in app.job_queue.jobs():  # the tests run the sweep themselves, on the fake clock
        job.schedule_removal()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return app, processor


async def stop_bot(app: GremiumApp) -> None:
    """Stop the bot as Ctrl-C would."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    await app.shutdown()


async def restart(world: World, *, settle: bool = True) -> None:
    """Stop the bot and start a new one on the same database, emulator and clock; without
    ``settle`` it stops with work under way (as a deploy in the middle of a broadcast would)."""
    if settle:
        await world.settle()
    world.handled_before += world.processor.processed + world.duplicates
    await stop_bot(world.app)
    world.app, world.processor = await start_bot(world.settings, world.sessionmaker, world.clock)
