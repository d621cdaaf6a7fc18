"""The life of a poll after it is composed: open, remind, close, fix the meeting.

These functions run inside the caller's transaction and write outgoing messages to the outbox,
so a poll and everything it sends are stored together or not at all.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.dates import Candidate
from domain.delivery import quiet_hours_release
from domain.errors import GremiumError
from domain.i18n import Lang
from domain.ics import meeting_ics
from domain.polls import OptionTally, choose_winner
from domain.reminders import meeting_reminder_times, poll_reminder_times
from handlers import poll_texts as ptexts
from handlers.callbacks import ChooseOption, encode
from handlers.common import group_zone
from handlers.context import BotData
from handlers.poll_view import (
    PollView,
    compact_tally_text,
    load_view,
    poll_payload,
    text_part,
)
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import outbox, tasks
from storage import polls as repo
from storage.models import (
    DraftStep,
    Group,
    Meeting,
    MeetingStatus,
    Member,
    Poll,
    PollOption,
    PollStatus,
    TaskKind,
)

log = logging.getLogger(__name__)
DEFAULT_DEADLINE = timedelta(days=10)


async def _queue(
    session: AsyncSession,
    bd: BotData,
    *,
    key: str,
    kind: str,
    chat_id: int,
    member_id: int | None,
    payload: list[dict[str, Any]],
    quiet: bool = True,
    group: Group | None = None,
) -> bool:
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
    done = await _queue(
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


def _tallies(options: Sequence[PollOption], counts: dict[int, repo.Count]) -> list[OptionTally]:
    result = []
    for option in options:
        assert option.id is not None
        c = counts.get(option.id, repo.Count(option.id))
        result.append(OptionTally(option.id, option.starts_at, c.yes, c.maybe, c.no))
    return result


async def close_poll(session: AsyncSession, bd: BotData, poll: Poll) -> Meeting | None:
    """Close the poll: freeze the tally, then fix the winner or ask the coordinator to choose."""
    assert poll.id is not None
    if poll.status != PollStatus.OPEN:
        return None
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None
    options = await repo.list_options(session, poll_id=poll.id)
    counts = await repo.freeze_counts(session, poll=poll)
    poll.closed_at = bd.clock.now()
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
    counts: dict[int, repo.Count],
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
            c = counts.get(oid, repo.Count(oid))
            lines.append(
                f"• {ptexts.option_when(lang, option, tz)}: ✅ {c.yes} · 🤔 {c.maybe} · ❌ {c.no}"
            )
            label = ptexts.option_short(lang, option, tz)
            rows.append([InlineKeyboardButton(label, callback_data=encode(ChooseOption(oid)))])
        await _queue(
            session,
            bd,
            key=f"pc{poll.id}:{person.telegram_id}",
            kind="poll_choose",
            chat_id=person.telegram_id,
            member_id=person.id,
            payload=[text_part("\n".join(lines), InlineKeyboardMarkup(rows))],
            quiet=False,
        )


async def fix_meeting(
    session: AsyncSession, bd: BotData, poll: Poll, group: Group, option: PollOption
) -> Meeting:
    """The chosen option becomes the meeting; everyone gets the notice and calendar file."""
    assert group.id is not None and poll.id is not None
    poll.status = PollStatus.CLOSED
    session.add(poll)
    meeting = await meeting_repo.create_meeting(
        session,
        group_id=group.id,
        poll_id=poll.id,
        starts_at=option.starts_at,
        ends_at=option.ends_at,
        all_day=option.all_day,
        location=poll.location,
        note=poll.note,
        now=bd.clock.now(),
    )
    await announce_meeting(session, bd, meeting, group)
    await replan(session, bd, group)
    return meeting


async def replan(session: AsyncSession, bd: BotData, group: Group) -> None:
    """Meetings and polls changed: plan the group's next cycle from them."""
    from handlers.cadence import plan_group  # cadence builds on this module

    await plan_group(session, bd, group)


def ics_for(
    bd: BotData, lang: Lang, meeting: Meeting, group: Group, *, cancel: bool = False
) -> bytes:
    """The calendar file of a meeting, in ``lang``."""
    tz = group_zone(group, bd.timezone)
    start: Any = meeting.starts_at.astimezone(tz).date() if meeting.all_day else meeting.starts_at
    end: Any = None if meeting.all_day else meeting.ends_at
    return meeting_ics(
        uid=meeting.uid,
        start=start,
        end=end,
        summary=lang._("Meeting: {group}", group=group.name),
        now=bd.clock.now(),
        tz=tz,
        location=meeting.location,
        description=meeting.note,
        sequence=meeting.sequence,
        method="CANCEL" if cancel else "PUBLISH",
        organizer_name=bd.organisation_name,
    )


def _ics_name(group: Group, meeting: Meeting, tz: Any) -> str:
    return f"{group.slug}-{meeting.starts_at.astimezone(tz):%Y-%m-%d}.ics"


async def announce_meeting(
    session: AsyncSession,
    bd: BotData,
    meeting: Meeting,
    group: Group,
    *,
    changed: bool = False,
    cancelled: bool = False,
) -> int:
    """Send the meeting notice (new, moved or cancelled) with its .ics file to every member."""
    assert meeting.id is not None and group.id is not None
    tz = group_zone(group, bd.timezone)
    files: dict[str, str] = {}
    count = 0
    for member in await meeting_repo.members_of_group(session, group_id=group.id):
        if member.unreachable_since is not None:
            continue
        lang = bd.translator.get(member.language)
        if lang.code not in files:
            data = ics_for(bd, lang, meeting, group, cancel=cancelled)
            files[lang.code] = base64.b64encode(data).decode()
        if cancelled:
            caption = ptexts.meeting_cancelled(lang, meeting, group, tz)
            markup = None
        else:
            caption = ptexts.meeting_notice(lang, meeting, group, tz, changed=changed)
            markup = ptexts.attendance_keyboard(lang, meeting)
        params: dict[str, Any] = {
            "document": {"base64": files[lang.code], "filename": _ics_name(group, meeting, tz)},
            "caption": caption,
            "parse_mode": "HTML",
        }
        if markup is not None:
            params["reply_markup"] = markup.to_dict()
        state = "x" if cancelled else str(meeting.sequence)
        count += await _queue(
            session,
            bd,
            key=f"m{meeting.id}:{state}:{member.telegram_id}",
            kind="meeting_notice",
            chat_id=member.telegram_id,
            member_id=member.id,
            payload=[{"method": "sendDocument", "params": params}],
            group=group,
        )
    if not cancelled:
        await schedule_meeting_reminders(session, bd, meeting, group)
    return count


async def schedule_meeting_reminders(
    session: AsyncSession, bd: BotData, meeting: Meeting, group: Group
) -> None:
    """Reminders 7 days and 1 day before, at a daytime hour in the group's time zone."""
    assert meeting.id is not None
    await tasks.cancel(session, kind=TaskKind.MEETING_REMINDER, ref_id=meeting.id)
    tz = group_zone(group, bd.timezone)
    start: Any = meeting.starts_at.astimezone(tz).date() if meeting.all_day else meeting.starts_at
    for due in meeting_reminder_times(start, now=bd.clock.now(), tz=tz):
        await tasks.schedule(
            session, kind=TaskKind.MEETING_REMINDER, ref_id=meeting.id, due_at=due
        )


async def remind_meeting(session: AsyncSession, bd: BotData, meeting: Meeting, tag: str) -> int:
    """Remind everyone who has not said they cannot come."""
    assert meeting.id is not None
    if meeting.status != MeetingStatus.SCHEDULED:
        return 0
    group = await group_repo.get_group(session, group_id=meeting.group_id)
    assert group is not None and group.id is not None
    tz = group_zone(group, bd.timezone)
    absent = await meeting_repo.not_coming_ids(session, meeting_id=meeting.id)
    count = 0
    for member in await meeting_repo.members_of_group(session, group_id=group.id):
        if member.id in absent or member.unreachable_since is not None:
            continue
        lang = bd.translator.get(member.language)
        text = ptexts.meeting_reminder(lang, meeting, group, tz)
        count += await _queue(
            session,
            bd,
            key=f"mr{meeting.id}:{tag}:{member.telegram_id}",
            kind="meeting_reminder",
            chat_id=member.telegram_id,
            member_id=member.id,
            payload=[text_part(text, ptexts.attendance_keyboard(lang, meeting))],
            quiet=False,
            group=group,
        )
    return count


async def refresh_group_tally(
    session: AsyncSession, bd: BotData, poll: Poll, group: Group
) -> None:
    """Post the compact tally in the linked group chat once; later changes edit it (throttled)."""
    if group.chat_id is None or poll.id is None:
        return
    lang = bd.translator.get(None)
    text = await compact_tally_text(session, bd, poll, group, lang)
    await _queue(
        session,
        bd,
        key=f"pt{poll.id}:{group.chat_id}",
        kind="poll_tally",
        chat_id=group.chat_id,
        member_id=None,
        payload=[text_part(text)],
        quiet=False,
    )


async def notify_members(
    session: AsyncSession,
    bd: BotData,
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
        count += await _queue(
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


def default_deadline(now: datetime, first: datetime) -> datetime:
    """Ten days from now, but never after the first date (then the day before it)."""
    deadline = now + DEFAULT_DEADLINE
    if deadline >= first - timedelta(hours=12):
        deadline = first - timedelta(days=1)
    if deadline <= now + timedelta(hours=1):
        raise GremiumError(
            "The first date is too soon for a poll. Choose dates at least two days ahead."
        )
    return deadline


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
    poll.deadline = default_deadline(bd.clock.now(), min(c.begins for c in candidates))
    poll.step = DraftStep.PREVIEW
    session.add(poll)


async def busy_days(
    session: AsyncSession, group: Group, first: date, last: date, tz: ZoneInfo
) -> set[date]:
    """Days on which members of this group already meet in another group."""
    assert group.id is not None
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    starts = await meeting_repo.meetings_of_members_elsewhere(
        session, group_id=group.id, start=start, end=end
    )
    return {s.astimezone(tz).date() for s in starts}
