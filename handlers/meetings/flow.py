"""A fixed date becomes a meeting: the notice with its calendar file, reminders before it,
and the notices when it moves or is cancelled.

These functions run inside the caller's transaction and write outgoing messages to the outbox.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.i18n import Lang
from domain.ics import meeting_ics
from domain.record import proposals_open
from domain.reminders import meeting_reminder_times
from handlers.common import group_zone
from handlers.context import BotData
from handlers.meetings import record_texts as rtexts
from handlers.meetings import texts as mtexts
from handlers.meetings.lookup import message_parts
from handlers.meetings.proposals import schedule_proposal_close
from handlers.meetings.rhythm import plan_group
from handlers.notices import queue_message
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import record as record_repo
from storage import tasks
from storage.models import Group, Meeting, MeetingStatus, Poll, PollOption, PollStatus, TaskKind


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
        url=meeting.online_url,
        sequence=meeting.sequence,
        method="CANCEL" if cancel else "PUBLISH",
        organizer_name=bd.organisation_name,
    )


def _ics_name(group: Group, meeting: Meeting, tz: Any) -> str:
    """The calendar file's name: the group's slug and the meeting's day."""
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
    now = bd.clock.now()
    proposing = proposals_open(meeting.starts_at, group.agenda_close_days, now=now)
    for member in await meeting_repo.members_of_group(session, group_id=group.id):
        if member.unreachable_since is not None:
            continue
        lang = bd.translator.get(member.language)
        if lang.code not in files:
            data = ics_for(bd, lang, meeting, group, cancel=cancelled)
            files[lang.code] = base64.b64encode(data).decode()
        params = _notice_params(
            lang, meeting, group, tz, files[lang.code], changed, cancelled, proposing
        )
        state = "x" if cancelled else str(meeting.sequence)
        count += await queue_message(
            session,
            bd,
            key=f"m{meeting.id}:{state}:{member.telegram_id}",
            kind="meeting_notice",
            chat_id=member.telegram_id,
            member_id=member.id,
            payload=[{"method": "sendDocument", "params": params}],
            group=group,
        )
    await _schedule_after_notice(session, bd, meeting, group, cancelled=cancelled)
    return count


async def _schedule_after_notice(
    session: AsyncSession, bd: BotData, meeting: Meeting, group: Group, *, cancelled: bool
) -> None:
    """A cancelled meeting drops its proposal closing; any other gets reminders and one."""
    assert meeting.id is not None
    if cancelled:
        await tasks.cancel(session, kind=TaskKind.AGENDA_CLOSE, ref_id=meeting.id)
    else:
        await schedule_meeting_reminders(session, bd, meeting, group)
        await schedule_proposal_close(session, bd, meeting, group)


def _notice_params(
    lang: Lang,
    meeting: Meeting,
    group: Group,
    tz: Any,
    ics: str,
    changed: bool,
    cancelled: bool,
    proposing: bool,
) -> dict[str, Any]:
    """sendDocument's parameters for one language: the .ics file (base64), the notice as its
    caption and, unless cancelled, the attendance buttons."""
    if cancelled:
        caption = mtexts.meeting_cancelled(lang, meeting, group, tz)
        markup = None
    else:
        caption = mtexts.meeting_notice(lang, meeting, group, tz, changed=changed)
        markup = mtexts.attendance_keyboard(lang, meeting, propose=proposing)
    params: dict[str, Any] = {
        "document": {"base64": ics, "filename": _ics_name(group, meeting, tz)},
        "caption": caption,
        "parse_mode": "HTML",
    }
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return params


#: A reminder this long or longer before the meeting is the 7-day one: the agenda goes out
#: with it (and with the first reminder of a meeting fixed less than a week ahead).
AGENDA_WITH_REMINDER = timedelta(days=2)


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
    answers = await record_repo.answers(session, meeting_id=meeting.id)
    agenda = None
    first = await record_repo.meeting_reminders_done(session, meeting_id=meeting.id) <= 1
    if first or meeting.starts_at - bd.clock.now() >= AGENDA_WITH_REMINDER:
        agenda = await record_repo.load_agenda(session, meeting=meeting)
    count = 0
    for member in await meeting_repo.members_of_group(session, group_id=group.id):
        if member.id in absent or member.unreachable_since is not None:
            continue
        lang = bd.translator.get(member.language)
        text = mtexts.meeting_reminder(lang, meeting, group, tz)
        if agenda is not None:
            text += "\n\n" + rtexts.agenda_block(lang, tz, agenda)
        mine = answers.get(member.id or 0)
        markup = mtexts.attendance_keyboard(lang, meeting, mine=mine, here=True)
        count += await queue_message(
            session,
            bd,
            key=f"mr{meeting.id}:{tag}:{member.telegram_id}",
            kind="meeting_reminder",
            chat_id=member.telegram_id,
            member_id=member.id,
            payload=message_parts(text, markup),
            quiet=False,
            group=group,
        )
    return count
