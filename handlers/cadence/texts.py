"""Messages of the meeting cadence: the review request and the alerts to organisers."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import GremiumError
from handlers import texts
from handlers.context import BotData
from handlers.polls.compose import preview
from handlers.polls.flow import coordinators
from handlers.polls.view import text_part
from storage import members as member_repo
from storage import outbox
from storage.models import Group, Poll


async def ask_for_review(
    session: AsyncSession, bd: BotData, group: Group, poll: Poll, *, key: str
) -> bool:
    """Send the planned poll to the group's coordinators; False if it has none."""
    people = await coordinators(session, bd, poll, group)
    if not people:
        return False
    assert poll.deadline is not None
    for person in people:
        lang = bd.translator.get(person.language)
        text, markup = await preview(session, bd, lang, poll)
        intro = lang._(
            "It is time to plan the next meeting of <b>{group}</b>. I suggest these dates; "
            "the poll goes out by itself in a few days if you do nothing. You can send it now, "
            "change the dates, the deadline, the place or the note.",
            group=escape(group.name),
        )
        await outbox.enqueue(
            session,
            dedupe_key=f"{key}:{person.telegram_id}",
            kind="cadence_review",
            chat_id=person.telegram_id,
            payload=[text_part(f"{intro}\n\n{text}", markup)],
            not_before=bd.clock.now(),
            now=bd.clock.now(),
            member_id=person.id,
        )
    return True


async def alert_admins(
    session: AsyncSession, bd: BotData, group: Group, error: GremiumError | None, *, key: str
) -> None:
    """Tell the organisers that a planned step needs a person (no coordinator, no dates)."""
    for admin_id in sorted(bd.admins):
        member = await member_repo.get_member_by_telegram_id(session, telegram_id=admin_id)
        lang = bd.translator.get(member.language if member else None)
        if error is None:
            text = lang._(
                "<b>{group}</b> has no coordinator, so nobody reviewed its next date poll. It "
                "goes out as planned. Please appoint a coordinator with /addcoordinator.",
                group=escape(group.name),
            )
        else:
            problem = texts.error(lang, error)
            text = lang._(
                "The planned date poll of <b>{group}</b> could not be prepared: {problem} "
                "Please adjust the rhythm with /schedule or start a poll with /poll.",
                group=escape(group.name),
                problem=problem,
            )
        await outbox.enqueue(
            session,
            dedupe_key=f"{key}:admin{admin_id}",
            kind="cadence_alert",
            chat_id=admin_id,
            payload=[text_part("⚠️ " + text)],
            not_before=bd.clock.now(),
            now=bd.clock.now(),
            member_id=member.id if member else None,
        )
