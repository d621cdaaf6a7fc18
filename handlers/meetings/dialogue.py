"""A member's message while a record dialogue waits for it: routed to the agenda or the
minutes dialogue."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Message

from domain.errors import GremiumError
from handlers import texts
from handlers.common import Actor, require_group_manager
from handlers.context import BotData
from handlers.meetings import agenda_input as record_agenda
from handlers.meetings import decisions as record_minutes
from handlers.meetings import record as record_book
from handlers.meetings.lookup import require_member_of
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import record as record_repo
from storage.models import MeetingStatus
from storage.record_models import RecordInput, RecordStep

#: Steps the agenda dialogue answers; the others belong to the minutes dialogue.
AGENDA_STEPS = (
    RecordStep.PROPOSE,
    RecordStep.AGENDA_ADD,
    RecordStep.AGENDA_EDIT,
    RecordStep.CLOSE_DAYS,
)


async def _ended(session: AsyncSession, actor: Actor, pending: RecordInput) -> str | None:
    """Why the dialogue cannot go on (its meeting was cancelled, the item dropped, the person
    left the group or is no longer its coordinator), or None."""
    meeting_id = pending.ref_id
    if pending.step == RecordStep.AGENDA_EDIT:
        item = await record_repo.get_agenda_item(session, item_id=pending.ref_id)
        if item is None:
            return actor.lang._("This item is gone.")
        meeting_id = item.meeting_id
    meeting = await meeting_repo.get_meeting(session, meeting_id=meeting_id)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        return actor.lang._("This meeting was cancelled.")
    group = await group_repo.get_group(session, group_id=meeting.group_id)
    assert group is not None
    try:
        if pending.step == RecordStep.PROPOSE:
            await require_member_of(session, actor.require_member(), group)
        else:
            await require_group_manager(session, actor, group)
    except GremiumError as refusal:
        return texts.error(actor.lang, refusal)  # escaped as every refusal is
    return None


async def take(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, message: Message
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Hand the message to the dialogue that waits for it; the reply and its buttons. A
    dialogue that cannot go on any more (see :func:`_ended`) ends with a word, so the next
    message is read as usual again."""
    member = actor.require_member()
    if (reason := await _ended(session, actor, pending)) is not None:
        await record_repo.stop_expecting(session, member_id=member.id or 0)
        return reason, None
    if pending.step == RecordStep.ONLINE_LINK:
        assert member.id is not None
        reply = await record_book.take_link(session, bd, actor, pending.ref_id, message.text or "")
        await record_repo.stop_expecting(session, member_id=member.id)
        return reply, None
    if pending.step in AGENDA_STEPS:
        return await record_agenda.take_text(session, bd, actor, pending, message.text or "")
    return await record_minutes.take_message(session, bd, actor, pending, message)
