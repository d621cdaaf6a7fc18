"""``gremium sandbox``: the real bot against the Bot API emulator, on a clock the visitor moves.

One process holds everything: the emulator on a free loopback port, the unmodified bot polling
it with a throwaway SQLite database, and the page server (:mod:`sandbox.page`) that shows the
chats in a browser. Time is a :class:`~domain.clock.FakeClock` shared by the bot and the
emulator; it stands still until the visitor moves it, and every move runs the bot's sweep so
that whatever fell due (reminders, a poll's close, meeting notices) happens at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import GremiumApp, build_application
from bot.config import Settings
from bot.config.settings import GermanAddress
from bot.processing import TrackingUpdateProcessor
from bot.sandbox_people import personas
from bot.sandbox_port import PortTaken, check_port, is_loopback, port_problem
from bot.sandbox_steps import Step, next_step
from bot.seed import CONFERENCE_GROUPS, LAST_MET_AGO, ORGANISER, create_users, seed
from domain.clock import FakeClock
from domain.delivery import quiet_hours_release
from domain.i18n import Lang
from handlers.jobs import sweep
from handlers.meetings.rhythm import plan_unplanned
from sandbox.emulator import Emulator, default_spec_path
from sandbox.page import PageServer, Refused
from storage import migrate, outbox
from storage.db import SessionMaker, create_engine, make_sessionmaker

log = logging.getLogger(__name__)

#: How far the clock buttons move time.
JUMPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
#: The page speaks English; its labels still go through the translation layer.
PAGE_LANGUAGE = "en"


class Sandbox:
    """The emulator, the bot and its database, on one fake clock."""

    def __init__(
        self,
        *,
        start: datetime | None = None,
        seed_personas: bool = True,
        german_address: GermanAddress = "sie",
    ) -> None:
        now = start or datetime.now(UTC).replace(second=0, microsecond=0)
        self.clock = FakeClock(now)
        self.emu = Emulator(spec_path=default_spec_path(), clock=self.clock)
        self.processor = TrackingUpdateProcessor()
        self.seed_personas = seed_personas
        self.german_address = german_address
        self._dir = Path(tempfile.mkdtemp(prefix="gremium-sandbox-"))
        self._jump_lock = asyncio.Lock()
        self._app: GremiumApp | None = None
        self._sessionmaker: SessionMaker | None = None
        self.settings: Settings | None = None

    @property
    def app(self) -> GremiumApp:
        """The running bot."""
        assert self._app is not None, "the sandbox is not started"
        return self._app

    @property
    def sessionmaker(self) -> SessionMaker:
        """Sessions on the sandbox's database."""
        assert self._sessionmaker is not None, "the sandbox is not started"
        return self._sessionmaker

    async def start(self) -> None:
        """Start the emulator and the bot, then seed the personas."""
        url = f"sqlite+aiosqlite:///{self._dir / 'gremium.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        self._sessionmaker = make_sessionmaker(engine)
        await self.emu.start("127.0.0.1", 0)
        create_users(self.emu)
        self.settings = Settings(
            token=self.emu.token,
            database_url=url,
            api_root=self.emu.api_root,
            admins=frozenset({ORGANISER.id}),
            groups=CONFERENCE_GROUPS,
            cadence_counted_from=(self.clock.now() - LAST_MET_AGO).date(),
            organisation_name="Integrationskonferenz Herne",
            organisation_contact="Kommunales Integrationszentrum Herne, integration@example.org",
            data_dir=self._dir,
            tally_edit_seconds=1.0,
            german_address=self.german_address,
        )
        app = build_application(
            self.settings,
            sessionmaker=self.sessionmaker,
            clock=self.clock,
            update_processor=self.processor,
            engine=engine,
        )
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)  # run_polling would call it; here the sandbox drives the life
        # A real start leaves planning to the first sweep; the page shows the next step at once.
        await plan_unplanned(app.bot_data)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
        self._app = app
        if self.seed_personas:
            await seed(self.emu, self.settle)

    async def stop(self) -> None:
        """Stop the bot and the emulator and delete the database (whatever fails on the way)."""
        app, self._app = self._app, None
        try:
            if app is not None:
                assert app.updater is not None
                await app.updater.stop()
                await app.stop()
                assert app.post_shutdown is not None
                await app.post_shutdown(app)
                await app.shutdown()
        finally:
            await self.emu.stop()
            shutil.rmtree(self._dir, ignore_errors=True)

    async def settle(self, timeout: float = 20.0) -> None:
        """Wait until every update is handled and the outbox has sent what is due now."""
        bd = self.app.bot_data
        async with asyncio.timeout(timeout):
            await self._updates_handled()
            for _ in range(3):  # sends can lead to edits and edits to nothing more
                await bd.dispatcher.drain(timeout)
                await bd.reports.flush()
                await bd.refresher.flush()
                await bd.throttle.flush()
            await self._updates_handled()

    async def _updates_handled(self) -> None:
        await self.emu.wait_delivered(timeout=30)
        while True:
            await self.processor.wait_idle()
            await asyncio.sleep(0)
            if (
                self.processor.in_progress == 0
                and self.app.update_queue.empty()
                and self.processor.processed >= self.emu.delivered_updates
                and self.emu.in_flight == 0
            ):
                return
            await asyncio.sleep(0.005)

    # -- the clock ---------------------------------------------------------------------------

    async def jump(self, how: str) -> str:
        """Move the clock ("hour", "day", "week" or "next" scheduled step), then do what fell
        due; returns a sentence for the page."""
        async with self._jump_lock:
            if how == "next":
                step = await self.next_step()
                if step is None:
                    return "Nothing is scheduled."
                self.clock.set(max(step.at, self.clock.now()))
                said = f"Jumped to the next step: {step.what}."
            elif how in JUMPS:
                self.clock.advance(JUMPS[how])
                said = f"Jumped forward one {how}."
            else:
                raise Refused(f"unknown jump {how!r} (hour, day, week or next)")
            bd = self.app.bot_data
            await sweep(bd)
            bd.dispatcher.wake()
            with contextlib.suppress(TimeoutError):
                await self.settle(timeout=15)
            return said

    async def next_step(self) -> Step | None:
        """The earliest due task, scheduled announcement, meeting start (check-in opens then) or
        held outbox message."""
        async with self.sessionmaker() as session:
            return await next_step(session, now=self.clock.now(), lang=self.lang)

    @property
    def lang(self) -> Lang:
        """The page's language, for the bot's translations."""
        return self.app.bot_data.translator.get(PAGE_LANGUAGE)

    # -- what the page shows -----------------------------------------------------------------

    async def state(self) -> dict[str, Any]:
        """Time, quiet hours, the next step and who is who, for the page."""
        assert self.settings is not None
        now, tz = self.clock.now(), self.settings.timezone
        start, end = self.settings.quiet_hours
        release = quiet_hours_release(now, tz, start, end)
        async with self.sessionmaker() as session:
            held, held_at = await outbox.held(session, now=now)
        step = await self.next_step()
        return {
            "now": now.isoformat(),
            "timezone": tz.key,
            "german_address": self.settings.german_address,
            "quiet": {
                "active": release > now,
                "start": f"{start:%H:%M}",
                "end": f"{end:%H:%M}",
                "until": release.isoformat() if release > now else None,
                "held": held,
                "held_until": held_at.isoformat() if held_at else None,
            },
            "next": step.as_json() if step else None,
            "personas": await self.personas(),
        }

    async def personas(self) -> list[dict[str, Any]]:
        """Every emulated user with their language and role in the bot."""
        assert self.settings is not None
        async with self.sessionmaker() as session:
            return await personas(session, users=self.emu.users, admins=self.settings.admins)


async def serve(
    host: str, port: int, *, via_make: bool = False, german_address: GermanAddress = "sie"
) -> int:
    """Run the sandbox until Ctrl-C or SIGTERM (``gremium sandbox``; ``via_make``: started by
    ``make sandbox``, so advice names that; ``german_address``: "sie" or "du")."""
    check_port(host, port, via_make=via_make)
    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    sandbox = Sandbox(german_address=german_address)
    page = PageServer(sandbox.emu, sandbox)
    print("Starting the sandbox: emulator, bot and personas ...", flush=True)
    try:
        await sandbox.start()
        try:
            url = await page.start(host, port)
        except OSError as exc:
            raise PortTaken(port_problem(host, port, exc, via_make=via_make)) from None
        print(f"\n  Gremium sandbox: open {url} in your browser.\n", flush=True)
        if not is_loopback(host):
            print(
                f"  Warning: {host} is not loopback. Anyone who can reach it can act as any "
                "persona.\n",
                flush=True,
            )
        print("  Press Ctrl-C to stop; the sandbox's database is deleted then.", flush=True)
        await stopped.wait()
    finally:
        await page.stop()
        await sandbox.stop()
    return 0
