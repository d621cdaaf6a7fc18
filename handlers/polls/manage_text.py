"""What a coordinator types for an open poll: a new deadline or extra dates."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.candidates import Candidate, parse_candidates
from domain.errors import GremiumError
from domain.i18n import lazy_plural
from handlers.common import Actor, group_zone
from handlers.context import BotData
from handlers.notices import notify_members
from handlers.polls.draft_text import checked_deadline
from handlers.polls.flow import schedule_poll_tasks
from handlers.polls.view import load_view, poll_payload
from storage import groups as group_repo
from storage import polls as repo
from storage import tasks
from storage.models import DraftStep, Group, Poll, PollOption, TaskKind

MAX_OPTIONS = 12


async def take_text(
    session: AsyncSession, bd: BotData, actor: Actor, poll: Poll, text: str
) -> str:
    """A coordinator typed a new deadline or an extra date for an open poll."""
    assert poll.id is not None
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None
    tz, now, lang = group_zone(group, bd.timezone), bd.clock.now(), actor.lang
    if poll.step == DraftStep.EXTEND:
        poll.deadline = await checked_deadline(session, poll, text, tz=tz, now=now, lang=lang.code)
        poll.step = None
        session.add(poll)
        await tasks.cancel(session, kind=TaskKind.POLL_CLOSE, ref_id=poll.id)
        await tasks.cancel(session, kind=TaskKind.POLL_REMINDER, ref_id=poll.id)
        await schedule_poll_tasks(session, bd, poll, group)
        return lang._("The poll now closes on {when}.", when=lang.when(poll.deadline, tz))
    options = await repo.list_options(session, poll_id=poll.id)
    added = parse_candidates(text, tz=tz, now=now, lang=lang.code)
    _check_additions(poll, options, added)
    await _add_dates(session, bd, poll, group, added)
    return lang.ngettext(
        "Added {n} date; the members got the updated poll.",
        "Added {n} dates; the members got the updated poll.",
        len(added),
    )


def _check_additions(poll: Poll, options: list[PollOption], added: list[Candidate]) -> None:
    """Refuse dates already in the poll, too many dates, or dates before the deadline."""
    taken = {o.starts_at for o in options}
    if any(c.begins in taken for c in added):
        raise GremiumError("That date is already in the poll.")
    if len(options) + len(added) > MAX_OPTIONS:
        raise GremiumError(
            lazy_plural(
                "A poll can have at most {n} date.",
                "A poll can have at most {n} dates.",
                MAX_OPTIONS,
            )
        )
    if poll.deadline is not None and any(c.begins <= poll.deadline for c in added):
        raise GremiumError(
            "The poll must close before the first date. Choose an earlier deadline."
        )


async def _add_dates(
    session: AsyncSession, bd: BotData, poll: Poll, group: Group, added: list[Candidate]
) -> None:
    """Store the extra dates and send the members the updated poll."""
    assert poll.id is not None
    length = timedelta(minutes=poll.duration_minutes)
    new_ids = []
    for c in added:
        row = await repo.add_option(
            session,
            poll_id=poll.id,
            option=repo.NewOption(
                starts_at=c.begins,
                ends_at=None if c.all_day else (c.end or c.begins + length),
                all_day=c.all_day,
            ),
        )
        new_ids.append(row.id)
    poll.step = None
    session.add(poll)
    await session.flush()
    view = await load_view(session, poll, group)
    await notify_members(
        session,
        bd,
        group,
        key=f"pa{poll.id}.{new_ids[0]}",
        payload_for=lambda m: poll_payload(session, bd, poll, group, m, view=view),
    )
