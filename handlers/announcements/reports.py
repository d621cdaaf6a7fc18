"""Delivery reports: each sender's report message, kept current while the outbox sends."""

from __future__ import annotations

import asyncio
import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError

from domain.delivery import quiet_hours_release
from handlers.announcements import texts as atexts
from handlers.common import group_zone
from handlers.services import Services
from storage import announcements as repo
from storage import groups as group_repo
from storage import members as member_repo
from storage import outbox
from storage.models import Announcement, Delivery

log = logging.getLogger(__name__)


async def report_text(session: AsyncSession, bd: Services, announcement: Announcement) -> str:
    """The delivery report in the sender's language."""
    assert announcement.id is not None
    sender = None
    if announcement.sender_id:
        sender = await member_repo.get_member(session, member_id=announcement.sender_id)
    lang = bd.translator.get(sender.language if sender else None)
    group = None
    if announcement.group_id:
        group = await group_repo.get_group(session, group_id=announcement.group_id)
    target = group.name if group else lang._("All working groups")
    counts = await outbox.counts_for_announcement(session, announcement_id=announcement.id)
    names = await outbox.unreachable_names(session, announcement_id=announcement.id)
    now, tz = bd.clock.now(), group_zone(group, bd.timezone)
    release = quiet_hours_release(now, tz, *bd.quiet_hours)
    held = await outbox.held_for_announcement(session, announcement_id=announcement.id, now=now)
    until = lang.clock(release.astimezone(tz).time()) if held and release > now else None
    return atexts.report(lang, target, counts, names, until)


class ReportUpdater:
    """Keeps each sender's report message current, editing it at most every few seconds."""

    def __init__(self, bot: Bot, bd: Services, interval: float = 3.0) -> None:
        self.bot = bot
        self.bd = bd
        self.interval = interval
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run(), name="delivery-reports")

    async def stop(self) -> None:
        """Write the last state of every report, then stop."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()

    def delivered(self, delivery: Delivery) -> None:
        """The dispatcher finished a delivery: its report needs an update."""
        if delivery.announcement_id is not None:
            self._dirty.add(delivery.announcement_id)
            self._wake.set()

    async def post(self, announcement_id: int) -> None:
        """Send the first report message to the sender and remember it for later edits."""
        async with self.bd.sessionmaker() as session:
            announcement = await repo.get_announcement(session, announcement_id=announcement_id)
            if announcement is None or announcement.sender_chat_id is None:
                return
            text = await report_text(session, self.bd, announcement)
        try:
            message = await self.bot.send_message(announcement.sender_chat_id, text)
        except (BadRequest, Forbidden, NetworkError) as exc:
            log.info("report for announcement %s not sent: %s", announcement_id, exc)
            return
        async with self.bd.sessionmaker.begin() as session:
            stored = await repo.get_announcement(session, announcement_id=announcement_id)
            if stored is not None:
                stored.report_message_id = message.message_id
                session.add(stored)
        # Deliveries may have finished while the report was on its way: redraw it.
        self._dirty.add(announcement_id)
        self._wake.set()

    async def flush(self) -> None:
        """Edit every report that changed since the last edit."""
        dirty, self._dirty = self._dirty, set()
        for announcement_id in sorted(dirty):
            await self._edit(announcement_id)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            await asyncio.sleep(self.interval)

    async def _edit(self, announcement_id: int) -> None:
        async with self.bd.sessionmaker() as session:
            announcement = await repo.get_announcement(session, announcement_id=announcement_id)
            if (
                announcement is None
                or announcement.sender_chat_id is None
                or announcement.report_message_id is None
            ):
                return
            text = await report_text(session, self.bd, announcement)
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=announcement.sender_chat_id,
                message_id=announcement.report_message_id,
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                log.info("report %s not edited: %s", announcement_id, exc.message)
        except (Forbidden, NetworkError) as exc:
            log.info("report %s not edited: %s", announcement_id, exc)
