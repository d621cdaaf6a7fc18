"""The typed-text step of the agenda dialogues: a proposal, an added or edited item, the
number of days before a meeting that proposals close."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from domain.errors import GremiumError
from domain.record import proposals_open, require_room_on_agenda
from handlers import texts
from handlers.common import Actor, require_group_manager
from handlers.context import BotData
from handlers.meetings.agenda import MAX_CLOSE_DAYS
from handlers.meetings.agenda_views import manage_view
from handlers.meetings.lookup import require_member_of, scheduled_meeting
from handlers.meetings.proposals import schedule_proposal_close, tell_coordinators
from storage import record as repo
from storage.record_models import ITEM_LIMIT, RecordInput, RecordStep


def item_text(text: str) -> str:
    """An agenda item as typed: one text, at most ``ITEM_LIMIT`` characters."""
    text = text.strip()
    if not text:
        raise GremiumError("Please send the item as text.")
    if len(text) > ITEM_LIMIT:
        raise GremiumError(
            "That is {length} characters; an item may have at most {limit}. Please shorten it.",
            length=len(text),
            limit=ITEM_LIMIT,
        )
    return text


async def take_text(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, text: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The member typed what an agenda dialogue waits for."""
    if pending.step == RecordStep.CLOSE_DAYS:
        return await _take_close_days(session, bd, actor, pending, text), None
    if pending.step == RecordStep.AGENDA_EDIT:
        return await _take_edit(session, bd, actor, pending, text)
    if pending.step == RecordStep.AGENDA_ADD:
        return await _take_added(session, bd, actor, pending, text)
    return await _take_proposal(session, bd, actor, pending, text), None


async def _take_edit(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, text: str
) -> tuple[str, InlineKeyboardMarkup]:
    """A coordinator's new wording of an item; the agenda as it is now."""
    member = actor.require_member()
    assert member.id is not None
    item = await repo.get_agenda_item(session, item_id=pending.ref_id)
    if item is None:
        raise GremiumError("This item is gone.")
    meeting, group = await scheduled_meeting(session, item.meeting_id)
    await require_group_manager(session, actor, group)
    item.text, item.updated_at = item_text(text), bd.clock.now()
    session.add(item)
    await repo.stop_expecting(session, member_id=member.id)
    return await manage_view(session, bd, actor.lang, meeting, group)


async def _take_added(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, text: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """An item a coordinator adds, accepted at once; the agenda as it is now (or the word
    that it is full)."""
    member = actor.require_member()
    meeting, group = await scheduled_meeting(session, pending.ref_id)
    assert member.id is not None and meeting.id is not None
    await require_group_manager(session, actor, group)
    await repo.stop_expecting(session, member_id=member.id)
    try:
        entries = await repo.entry_count(session, meeting_id=meeting.id)
        require_room_on_agenda(entries, coordinator=True)
    except GremiumError as full:  # the dialogue ends: the next message is read as usual
        return texts.error(actor.lang, full), None
    await repo.add_agenda_item(
        session,
        meeting_id=meeting.id,
        author_id=member.id,
        text=item_text(text),
        accepted=True,
        now=bd.clock.now(),
    )
    return await manage_view(session, bd, actor.lang, meeting, group)


async def _take_proposal(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, text: str
) -> str:
    """A member's proposal, if proposals are still open; the coordinators hear of it."""
    member = actor.require_member()
    meeting, group = await scheduled_meeting(session, pending.ref_id)
    assert member.id is not None and meeting.id is not None
    now = bd.clock.now()
    await require_member_of(session, member, group)
    await repo.stop_expecting(session, member_id=member.id)
    if not proposals_open(meeting.starts_at, group.agenda_close_days, now=now):
        return actor.lang._("Proposals for this meeting are closed.")
    try:
        entries = await repo.entry_count(session, meeting_id=meeting.id)
        require_room_on_agenda(entries, coordinator=False)
    except GremiumError as full:  # the dialogue ends: the next message is read as usual
        return texts.error(actor.lang, full)
    item = await repo.add_agenda_item(
        session,
        meeting_id=meeting.id,
        author_id=member.id,
        text=item_text(text),
        accepted=False,
        now=now,
    )
    await tell_coordinators(session, bd, actor, meeting, group, item)
    return actor.lang._("Thank you! The coordinators will look at your proposal.")


async def _take_close_days(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, text: str
) -> str:
    """A coordinator's number of days; every upcoming meeting's closing moves with it."""
    _, group = await scheduled_meeting(session, pending.ref_id)
    await require_group_manager(session, actor, group)
    text = text.strip()
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_CLOSE_DAYS):
        raise GremiumError("Please send a number from 0 to {most}.", most=MAX_CLOSE_DAYS)
    group.agenda_close_days = int(text)
    session.add(group)
    member = actor.require_member()
    assert member.id is not None and group.id is not None
    await repo.stop_expecting(session, member_id=member.id)
    for upcoming in await repo.meetings_of_group(session, group_id=group.id, since=bd.clock.now()):
        await schedule_proposal_close(session, bd, upcoming, group)
    return actor.lang.ngettext(
        "Proposals now close {n} day before each meeting of {group}.",
        "Proposals now close {n} days before each meeting of {group}.",
        group.agenda_close_days,
        group=escape(group.name),
    )
