"""Members' agenda proposals: the prompt to propose, the word to the coordinators, and the
closing of proposals some days before the meeting."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.errors import GremiumError
from domain.record import proposals_close_at, proposals_open, require_room_on_agenda
from handlers.callback_data import AgendaManage, AgendaStep
from handlers.callbacks import encode
from handlers.common import Actor, group_zone
from handlers.context import BotData
from handlers.meetings.agenda_views import manage_view
from handlers.meetings.lookup import message_parts, require_member_of
from handlers.meetings.texts import meeting_when
from handlers.notices import queue_message, text_part
from storage import groups as group_repo
from storage import record as repo
from storage import tasks
from storage.models import Group, Meeting, MeetingStatus, TaskKind
from storage.record_models import ITEM_LIMIT, AgendaItem


async def proposal_prompt(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, group: Group
) -> str:
    """Check that the member may propose an item now; the question that asks for it."""
    member = actor.require_member()
    await require_member_of(session, member, group)
    if not proposals_open(meeting.starts_at, group.agenda_close_days, now=bd.clock.now()):
        raise GremiumError("Proposals for this meeting are closed.")
    assert meeting.id is not None
    entries = await repo.entry_count(session, meeting_id=meeting.id)
    require_room_on_agenda(entries, coordinator=False)
    tz = group_zone(group, bd.timezone)
    return actor.lang._(
        "What shall {group} discuss on {when}? Send your item as one message, at most {limit} "
        "characters.",
        group=escape(group.name),
        when=meeting_when(actor.lang, meeting, tz),
        limit=ITEM_LIMIT,
    )


async def tell_coordinators(
    session: AsyncSession,
    bd: BotData,
    actor: Actor,
    meeting: Meeting,
    group: Group,
    item: AgendaItem,
) -> None:
    """Each reachable coordinator hears of a new proposal, with a button to the agenda."""
    assert group.id is not None and meeting.id is not None and item.id is not None
    tz = group_zone(group, bd.timezone)
    for coordinator in await group_repo.list_coordinators(session, group_id=group.id):
        if coordinator.unreachable_since is not None:
            continue
        lang = bd.translator.get(coordinator.language)
        text = lang._(
            "📝 New agenda proposal for <b>{group}</b> ({when}) from {name}:\n{text}",
            group=escape(group.name),
            when=meeting_when(lang, meeting, tz),
            name=escape(actor.member.display_name if actor.member else ""),
            text=escape(item.text),
        )
        button = InlineKeyboardButton(
            "📋 " + lang._("Open the agenda"),
            callback_data=encode(AgendaManage(AgendaStep.VIEW, meeting.id)),
        )
        await queue_message(
            session,
            bd,
            key=f"ap{item.id}:{coordinator.telegram_id}",
            kind="agenda_proposal",
            chat_id=coordinator.telegram_id,
            member_id=coordinator.id,
            payload=[text_part(text, InlineKeyboardMarkup([[button]]))],
            group=group,
        )


async def schedule_proposal_close(
    session: AsyncSession, bd: BotData, meeting: Meeting, group: Group
) -> None:
    """The coordinators hear when proposals close (a due task; a moved meeting moves it)."""
    assert meeting.id is not None
    await tasks.cancel(session, kind=TaskKind.AGENDA_CLOSE, ref_id=meeting.id)
    due = proposals_close_at(meeting.starts_at, group.agenda_close_days)
    if due > bd.clock.now():
        await tasks.schedule(session, kind=TaskKind.AGENDA_CLOSE, ref_id=meeting.id, due_at=due)


async def proposals_closed(session: AsyncSession, bd: BotData, meeting: Meeting) -> int:
    """Proposals have closed: the coordinators get the agenda with what waits for them."""
    if meeting.status != MeetingStatus.SCHEDULED:
        return 0
    group = await group_repo.get_group(session, group_id=meeting.group_id)
    assert group is not None and group.id is not None and meeting.id is not None
    waiting = len(await repo.proposals(session, meeting_id=meeting.id))
    count = 0
    for coordinator in await group_repo.list_coordinators(session, group_id=group.id):
        if coordinator.unreachable_since is not None:
            continue
        lang = bd.translator.get(coordinator.language)
        head = lang.ngettext(
            "⏳ Proposals for <b>{group}</b> are closed; {n} waits for your decision.",
            "⏳ Proposals for <b>{group}</b> are closed; {n} wait for your decision.",
            waiting,
            group=escape(group.name),
        )
        text, markup = await manage_view(session, bd, lang, meeting, group)
        count += await queue_message(
            session,
            bd,
            key=f"ac{meeting.id}:{coordinator.telegram_id}",
            kind="agenda_closed",
            chat_id=coordinator.telegram_id,
            member_id=coordinator.id,
            payload=message_parts(head + "\n\n" + text, markup),
            group=group,
        )
    return count
