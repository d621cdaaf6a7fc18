"""The life of a poll after it is composed: open, remind, close, fix the meeting.

These functions run inside the caller's transaction and write outgoing messages to the outbox,
so a poll and everything it sends are stored together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.candidates import Candidate
from domain.deadlines import default_deadline
from domain.errors import GremiumError
from domain.polls import OptionTally, choose_winner
from domain.reminders import poll_reminder_times
from handlers.callback_data import ChooseOption
from handlers.callbacks import encode
from handlers.common import group_zone
from handlers.context import BotData
from handlers.meetings.flow import fix_meeting, replan
from handlers.notices import notify_members, queue_message, text_part
from handlers.polls import texts as ptexts
from handlers.polls.view import (
    PollView,
    compact_tally_text,
    load_view,
    poll_payload,
)
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import polls as repo
from storage import tasks
from storage.models import (
    DraftStep,
    Group,
    Meeting,
    Member,
    Poll,
    PollOption,
    PollStatus,
    TaskKind,
)
from storage.summaries import Count

log = logging.getLogger(__name__)


async def open_poll(session: AsyncSession, bd: BotData, poll: Poll) -> int:
    """Open a composed poll: invite every member, schedule reminders and the close."""
    assert poll.id is not None
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None and group.id is not None
    options = await repo.list_options(session, poll_id=poll.id)
    if not options:
        raise GremiumError("The poll has no dates yet. Send me the candidate dates first.")
    members = await meeting_repo.members_of_group(session, group_id=group.id)
    if not members:
        raise GremiumError("This group has no members yet, so there is nobody to send it to.")
    now = bd.clock.now()
    assert poll.deadline is not None
    if poll.deadline <= now:
        raise GremiumError("The deadline has passed. Choose a later one with the Deadline button.")
    poll.status, poll.step, poll.opened_at = PollStatus.OPEN, None, now
    session.add(poll)
    count = 0
    view = await load_view(session, poll, group)
    for member in members:
        if member.unreachable_since is None:
            count += await invite(session, bd, poll, group, member, view=view)
    await schedule_poll_tasks(session, bd, poll, group)
    await refresh_group_tally(session, bd, poll, group)
    await replan(session, bd, group)  # the cadence waits while this poll runs
    return count


async def invite(
    session: AsyncSession,
    bd: BotData,
    poll: Poll,
    group: Group,
    member: Member,
    *,
    view: PollView | None = None,
) -> int:
    """Queue the poll for one member (once)."""
    payload = await poll_payload(session, bd, poll, group, member, view=view)
    done = await queue_message(
        session,
        bd,
        key=f"p{poll.id}:{member.telegram_id}",
        kind="poll_invite",
        chat_id=member.telegram_id,
        member_id=member.id,
        payload=payload,
        group=group,
    )
    return int(done)


async def schedule_poll_tasks(
    session: AsyncSession, bd: BotData, poll: Poll, group: Group
) -> None:
    """The close at the deadline and the reminders before it."""
    assert poll.id is not None and poll.deadline is not None and poll.opened_at is not None
    now = bd.clock.now()
    await tasks.schedule(session, kind=TaskKind.POLL_CLOSE, ref_id=poll.id, due_at=poll.deadline)
    offsets = [timedelta(hours=h) for h in group.poll_reminder_hours]
    for due in poll_reminder_times(
        poll.deadline,
        opened_at=poll.opened_at,
        now=now,
        offsets=offsets,
        tz=group_zone(group, bd.timezone),
        quiet=bd.quiet_hours,
    ):
        await tasks.schedule(session, kind=TaskKind.POLL_REMINDER, ref_id=poll.id, due_at=due)


async def remind(session: AsyncSession, bd: BotData, poll: Poll, tag: str) -> int:
    """Send the poll again to members who have not answered; ``tag`` makes it happen once."""
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None
    silent = {m.id for m in await repo.not_answered(session, poll=poll)}
    view = await load_view(session, poll, group)
    return await notify_members(
        session,
        bd,
        group,
        key=f"pr{poll.id}:{tag}",
        kind="poll_reminder",
        only=silent,
        payload_for=lambda member: poll_payload(
            session, bd, poll, group, member, reminder=True, view=view
        ),
    )


def _tallies(options: Sequence[PollOption], counts: dict[int, Count]) -> list[OptionTally]:
    result = []
    for option in options:
        assert option.id is not None
        c = counts.get(option.id, Count(option.id))
        result.append(OptionTally(option.id, option.starts_at, c.yes, c.maybe, c.no))
    return result


async def close_poll(session: AsyncSession, bd: BotData, poll: Poll) -> Meeting | None:
    """Close the poll: freeze the tally, then fix the winner or ask the coordinator to choose."""
    assert poll.id is not None
    # The poll's row stays locked until this transaction ends: a vote racing the close is
    # either in the counts or refused as too late, never "Saved" and left out.
    frozen = await repo.freeze_open_poll(session, poll_id=poll.id, now=bd.clock.now())
    if frozen is None:
        return None
    poll, counts = frozen
    assert poll.id is not None
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None
    options = await repo.list_options(session, poll_id=poll.id)
    bd.refresher.mark(poll.id)  # every copy shows the final tally, without buttons
    await tasks.cancel(session, kind=TaskKind.POLL_REMINDER, ref_id=poll.id)
    await tasks.cancel(session, kind=TaskKind.POLL_CLOSE, ref_id=poll.id)
    decision = choose_winner(_tallies(options, counts), quorum=group.poll_quorum)
    if decision.coordinator_must_choose or group.confirm_dates or decision.winner_id is None:
        poll.status = PollStatus.CHOOSING
        session.add(poll)
        candidates = decision.tied_ids or decision.ranking
        await ask_coordinators(session, bd, poll, group, options, counts, candidates)
        await refresh_group_tally(session, bd, poll, group)
        return None
    winner = next(o for o in options if o.id == decision.winner_id)
    meeting = await fix_meeting(session, bd, poll, group, winner)
    await refresh_group_tally(session, bd, poll, group)
    return meeting


async def coordinators(
    session: AsyncSession, bd: BotData, poll: Poll, group: Group
) -> list[Member]:
    """Who decides for this poll: the group's coordinators and the poll's author."""
    assert group.id is not None
    coordinating = await group_repo.list_coordinators(session, group_id=group.id)
    people = {m.id: m for m in coordinating}
    if poll.author_id is not None and poll.author_id not in people:
        author = await member_repo.get_member(session, member_id=poll.author_id)
        if author is not None:
            people[author.id] = author
    return list(people.values())


async def ask_coordinators(
    session: AsyncSession,
    bd: BotData,
    poll: Poll,
    group: Group,
    options: Sequence[PollOption],
    counts: dict[int, Count],
    candidate_ids: Sequence[int],
) -> None:
    """Ask the coordinators to pick the date, with one button per candidate."""
    tz = group_zone(group, bd.timezone)
    by_id = {o.id: o for o in options}
    for person in await coordinators(session, bd, poll, group):
        lang = bd.translator.get(person.language)
        lines = [
            "🗳 " + lang._("The date poll of <b>{group}</b> has closed.", group=escape(group.name)),
            lang._("No date is clear enough to fix it by itself. Please choose the date:"),
            "",
        ]
        rows = []
        for oid in candidate_ids:
            option = by_id[oid]
            c = counts.get(oid, Count(oid))
            when = lang.isolate(ptexts.option_when(lang, option, tz))
            lines.append(f"• {when}: {ptexts.tally(lang, c)}")
            label = ptexts.option_short(lang, option, tz)
            rows.append([InlineKeyboardButton(label, callback_data=encode(ChooseOption(oid)))])
        await queue_message(
            session,
            bd,
            key=f"pc{poll.id}:{person.telegram_id}",
            kind="poll_choose",
            chat_id=person.telegram_id,
            member_id=person.id,
            payload=[text_part(lang.lines(lines), InlineKeyboardMarkup(rows))],
            quiet=False,
        )


async def refresh_group_tally(
    session: AsyncSession, bd: BotData, poll: Poll, group: Group
) -> None:
    """Post the compact tally in the linked group chat once; later changes edit it (throttled)."""
    if group.chat_id is None or poll.id is None:
        return
    lang = bd.translator.get(None)
    text = await compact_tally_text(session, bd, poll, group, lang)
    await queue_message(
        session,
        bd,
        key=f"pt{poll.id}:{group.chat_id}",
        kind="poll_tally",
        chat_id=group.chat_id,
        member_id=None,
        payload=[text_part(text)],
        quiet=False,
    )


async def store_candidates(
    session: AsyncSession, bd: BotData, poll: Poll, candidates: list[Candidate]
) -> None:
    """Keep the candidates as the draft's options and set the default deadline."""
    assert poll.id is not None
    length = timedelta(minutes=poll.duration_minutes)
    options = [
        repo.NewOption(
            starts_at=c.begins,
            ends_at=None if c.all_day else (c.end or c.begins + length),
            all_day=c.all_day,
        )
        for c in candidates
    ]
    await repo.replace_options(session, poll_id=poll.id, options=options)
    group = await group_repo.get_group(session, group_id=poll.group_id)
    poll.deadline = default_deadline(
        bd.clock.now(), min(c.begins for c in candidates), group_zone(group, bd.timezone)
    )
    poll.step = DraftStep.PREVIEW
    session.add(poll)


async def busy_days(
    session: AsyncSession, group: Group, first: date, last: date, tz: ZoneInfo
) -> set[date]:
    """Days on which members of this group already meet in another group, or which another
    group of theirs is voting on."""
    assert group.id is not None
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    starts = [
        *await meeting_repo.meetings_of_members_elsewhere(
            session, group_id=group.id, start=start, end=end
        ),
        *await meeting_repo.poll_dates_of_members_elsewhere(
            session, group_id=group.id, start=start, end=end
        ),
    ]
    return {s.astimezone(tz).date() for s in starts}
