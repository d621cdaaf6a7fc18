"""Messages to members, queued in the outbox inside the caller's transaction: one message,
or one per reachable member of a group."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.delivery import quiet_hours_release
from domain.i18n import Lang
from handlers.common import group_zone
from handlers.services import Services
from storage import meetings as meeting_repo
from storage import outbox
from storage.models import Group, Member


def text_part(text: str, markup: Any = None) -> dict[str, Any]:
    """A sendMessage payload part with HTML text and, optionally, a keyboard."""
    params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return {"method": "sendMessage", "params": params}


async def queue_message(
    session: AsyncSession,
    bd: Services,
    *,
    key: str,
    kind: str,
    chat_id: int,
    member_id: int | None,
    payload: list[dict[str, Any]],
    quiet: bool = True,
    group: Group | None = None,
) -> bool:
    """Put one message into the outbox under ``key`` (a key already used is not queued again:
    False). ``quiet``: hold it back during the quiet hours in the group's time zone."""
    now = bd.clock.now()
    tz = group_zone(group, bd.timezone)
    not_before = quiet_hours_release(now, tz, *bd.quiet_hours) if quiet else now
    row = await outbox.enqueue(
        session,
        dedupe_key=key,
        kind=kind,
        chat_id=chat_id,
        payload=payload,
        not_before=not_before,
        now=now,
        member_id=member_id,
    )
    return row is not None


async def notify_members(
    session: AsyncSession,
    bd: Services,
    group: Group,
    *,
    key: str,
    text: Callable[[Lang], str] | None = None,
    payload_for: Callable[[Member], Awaitable[list[dict[str, Any]]]] | None = None,
    only: set[int | None] | None = None,
    kind: str = "notice",
) -> int:
    """Queue a message for every reachable member of the group (or those in ``only``)."""
    assert group.id is not None
    count = 0
    for member in await meeting_repo.members_of_group(session, group_id=group.id):
        if member.unreachable_since is not None or (only is not None and member.id not in only):
            continue
        if payload_for is not None:
            payload = await payload_for(member)
        else:
            assert text is not None
            payload = [text_part(text(bd.translator.get(member.language)))]
        count += await queue_message(
            session,
            bd,
            key=f"{key}:{member.telegram_id}",
            kind=kind,
            chat_id=member.telegram_id,
            member_id=member.id,
            payload=payload,
            group=group,
        )
    return count
