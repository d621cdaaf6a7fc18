"""The sandbox's next step: what the bot will do on its own next, named for the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, assert_never

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.i18n import N_, Lang
from storage import announcements, outbox, tasks
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import polls as poll_repo
from storage import record as record_repo
from storage.models import DueTask, TaskKind


@dataclass(frozen=True)
class TaskName:
    """How the page names a kind of due step: what its ``ref_id`` points at, and a label."""

    refers_to: Literal["poll", "meeting", "group", "action"]
    label: str  # a msgid with a {group} placeholder


def task_name(kind: TaskKind) -> TaskName:
    """The page's name for every kind of due step (mypy fails here when a kind is added)."""
    match kind:
        case TaskKind.POLL_CLOSE:
            return TaskName("poll", N_("the date poll of {group} closes"))
        case TaskKind.POLL_REMINDER:
            return TaskName("poll", N_("reminder about the date poll of {group}"))
        case TaskKind.MEETING_REMINDER:
            return TaskName("meeting", N_("reminder about the meeting of {group}"))
        case TaskKind.CADENCE_REVIEW:
            return TaskName(
                "group", N_("the coordinators of {group} review the planned date poll")
            )
        case TaskKind.CADENCE_OPEN:
            return TaskName("group", N_("the planned date poll of {group} opens"))
        case TaskKind.AGENDA_CLOSE:
            return TaskName("meeting", N_("agenda proposals for the meeting of {group} close"))
        case TaskKind.ACTION_REMINDER:
            return TaskName("action", N_("reminder about an action item of {group}"))
        case _:
            assert_never(kind)


#: Every kind of due step and its name, derived from the enum.
TASK_NAMES = {kind: task_name(kind) for kind in TaskKind}


@dataclass(frozen=True)
class Step:
    """The next thing the bot will do on its own, and when."""

    at: datetime
    what: str

    def as_json(self) -> dict[str, str]:
        """For the page."""
        return {"at": self.at.isoformat(), "what": self.what}


async def next_step(session: AsyncSession, *, now: datetime, lang: Lang) -> Step | None:
    """The earliest due task, scheduled announcement, meeting start (check-in opens then) or
    held outbox message."""
    candidates = [
        await _task_step(session, lang),
        await _announcement_step(session, lang),
        await _meeting_step(session, now=now, lang=lang),
        await _held_step(session, now=now, lang=lang),
    ]
    steps = [step for step in candidates if step is not None]
    return min(steps, key=lambda s: s.at) if steps else None


async def _task_step(session: AsyncSession, lang: Lang) -> Step | None:
    """The earliest due task, and how many more fall due at the same instant."""
    task_at = await tasks.next_due(session)
    if task_at is None:
        return None
    due = await tasks.list_due(session, now=task_at)
    first = [t for t in due if t.due_at == task_at]
    what = await describe_task(session, first[0], lang)
    if len(first) > 1:
        what = lang.ngettext(
            "{what}, and {n} more step",
            "{what}, and {n} more steps",
            len(first) - 1,
            what=what,
        )
    return Step(task_at, what)


async def _announcement_step(session: AsyncSession, lang: Lang) -> Step | None:
    """The next scheduled announcement."""
    announcement = await announcements.next_scheduled(session)
    if announcement is None or announcement.scheduled_for is None:
        return None
    group = None
    if announcement.group_id is not None:
        group = await group_repo.get_group(session, group_id=announcement.group_id)
    what = (
        lang._("scheduled announcement to {group}", group=group.name)
        if group
        else lang._("scheduled announcement to all groups")
    )
    return Step(announcement.scheduled_for, what)


async def _meeting_step(session: AsyncSession, *, now: datetime, lang: Lang) -> Step | None:
    """The next meeting's start."""
    meeting = await record_repo.next_meeting(session, after=now)
    if meeting is None:
        return None
    group = await group_repo.get_group(session, group_id=meeting.group_id)
    what = lang._(
        "the meeting of {group} begins",
        group=group.name if group else lang._("a group"),
    )
    return Step(meeting.starts_at, what)


async def _held_step(session: AsyncSession, *, now: datetime, lang: Lang) -> Step | None:
    """When the messages held back (quiet hours) go out."""
    held, held_at = await outbox.held(session, now=now)
    if held_at is None:
        return None
    what = lang.ngettext("{n} waiting message goes out", "{n} waiting messages go out", held)
    return Step(held_at, what)


async def describe_task(session: AsyncSession, task: DueTask, lang: Lang) -> str:
    """The page's sentence for a due task, naming its group."""
    name = TASK_NAMES[task.kind]
    group_id: int | None = None
    if name.refers_to == "meeting":
        meeting = await meeting_repo.get_meeting(session, meeting_id=task.ref_id)
        group_id = meeting.group_id if meeting else None
    elif name.refers_to == "action":
        action = await record_repo.get_action(session, action_id=task.ref_id)
        group_id = action.group_id if action else None
    elif name.refers_to == "poll":
        poll = await poll_repo.get_poll(session, poll_id=task.ref_id)
        group_id = poll.group_id if poll else None
    else:
        group_id = task.ref_id
    group = await group_repo.get_group(session, group_id=group_id) if group_id else None
    return lang._(name.label, group=group.name if group else lang._("a group"))
