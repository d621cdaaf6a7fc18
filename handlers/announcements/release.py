"""Releasing announcements into the outbox, and the live delivery report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.delivery import quiet_hours_release
from domain.errors import GremiumError
from handlers.announcements import texts as atexts
from handlers.common import group_zone
from handlers.context import BotData
from storage import announcements as repo
from storage import groups as group_repo
from storage import members as member_repo
from storage import outbox
from storage.models import (
    Announcement,
    AnnouncementStatus,
    DeliveryStatus,
    Group,
    Member,
)

log = logging.getLogger(__name__)
KIND = "announcement"


async def release(session: AsyncSession, bd: BotData, announcement: Announcement) -> int:
    """Write one delivery per recipient (and linked group chat); return how many.

    Runs inside the caller's transaction, so the announcement and all its deliveries are
    written together or not at all.
    """
    assert announcement.id is not None
    now = bd.clock.now()
    group = None
    if announcement.group_id:
        group = await group_repo.get_group(session, group_id=announcement.group_id)
    sender = None
    if announcement.sender_id:
        sender = await member_repo.get_member(session, member_id=announcement.sender_id)
    sender_name = sender.display_name if sender else bd.organisation_name
    tz = group_zone(group, bd.timezone)
    not_before = now if announcement.urgent else quiet_hours_release(now, tz, *bd.quiet_hours)
    # The sender saw the preview; everyone else in the group(s) gets it.
    recipients = await repo.list_recipients(
        session, group_id=announcement.group_id, exclude_member_id=announcement.sender_id
    )
    chats = await repo.linked_chats(session, group_id=announcement.group_id)
    if not recipients and not chats:
        raise GremiumError("This group has no members yet, so there is nobody to send it to.")
    rows = _deliveries(
        bd, announcement, group, sender_name, recipients, chats, not_before=not_before
    )
    count = await outbox.enqueue_many(session, deliveries=rows, now=now)
    announcement.released_at = now
    session.add(announcement)
    return count


def _deliveries(
    bd: BotData,
    announcement: Announcement,
    group: Group | None,
    sender_name: str,
    recipients: list[Member],
    chats: list[Group],
    *,
    not_before: datetime,
) -> list[outbox.NewDelivery]:
    """One row per member and linked chat; the text is made once per language."""
    row = _row_maker(bd, announcement, sender_name, not_before=not_before)
    rows = [
        replace(
            row(member.telegram_id, member.language, group.name if group else None),
            member_id=member.id,
            # Known to have blocked the bot: not sent, but listed in the report.
            status=DeliveryStatus.PENDING
            if member.unreachable_since is None
            else DeliveryStatus.UNREACHABLE,
        )
        for member in recipients
    ]
    for linked in chats:
        assert linked.chat_id is not None
        rows.append(replace(row(linked.chat_id, None, linked.name), pin=announcement.pin))
    return rows


def _row_maker(
    bd: BotData, announcement: Announcement, sender_name: str, *, not_before: datetime
) -> Callable[[int, str | None, str | None], outbox.NewDelivery]:
    """A maker of delivery rows (chat, language, heading) that renders each text once."""
    payloads: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}

    def row(chat_id: int, language: str | None, target: str | None) -> outbox.NewDelivery:
        if (language, target) not in payloads:
            lang = bd.translator.get(language)
            head = atexts.header(lang, target, sender_name)
            payloads[language, target] = atexts.payload(lang, announcement, head)
        return outbox.NewDelivery(
            dedupe_key=f"a{announcement.id}:{chat_id}",
            kind=KIND,
            chat_id=chat_id,
            payload=payloads[language, target],
            not_before=not_before,
            announcement_id=announcement.id,
            urgent=announcement.urgent,
        )

    return row


async def release_due(bd: BotData) -> int:
    """Release every scheduled announcement whose time has come (each exactly once)."""
    released = 0
    async with bd.sessionmaker() as session:
        due = [a.id for a in await repo.due_scheduled(session, now=bd.clock.now())]
    for announcement_id in due:
        assert announcement_id is not None
        try:
            async with bd.sessionmaker.begin() as session:
                if not await repo.transition(
                    session,
                    announcement_id=announcement_id,
                    from_status=(AnnouncementStatus.SCHEDULED,),
                    to_status=AnnouncementStatus.SENDING,
                ):
                    continue  # another sweep took it
                announcement = await repo.get_announcement(
                    session, announcement_id=announcement_id
                )
                assert announcement is not None
                await release(session, bd, announcement)
                released += 1
        except GremiumError:
            log.warning("scheduled announcement %s has nobody to go to", announcement_id)
            async with bd.sessionmaker.begin() as session:
                await repo.transition(
                    session,
                    announcement_id=announcement_id,
                    from_status=(AnnouncementStatus.SCHEDULED,),
                    to_status=AnnouncementStatus.CANCELLED,
                )
            continue
        await bd.reports.post(announcement_id)
    if released:
        bd.dispatcher.wake()
    return released
