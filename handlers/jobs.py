"""Job callbacks: the periodic sweep that does whatever due work the database holds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import JobQueue

from handlers.announcements.release import release_due
from handlers.announcements.reports import ReportUpdater
from handlers.cadence.steps import open_step, review_step
from handlers.context import BotData, Context
from handlers.meetings.action_reminders import remind_action
from handlers.meetings.flow import remind_meeting
from handlers.meetings.proposals import proposals_closed
from handlers.meetings.rhythm import plan_unplanned
from handlers.polls.flow import close_poll, remind
from handlers.privacy.commands import retention_sweep
from runtime.outbox import Dispatcher
from storage import meetings as meeting_repo
from storage import polls as poll_repo
from storage import tasks
from storage.models import DueTask, PollStatus, TaskKind

log = logging.getLogger(__name__)

#: Seconds between sweeps: due work is done within this much of its time.
SWEEP_INTERVAL = 20
SWEEP_JOB = "sweep"


async def _close(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    poll = await poll_repo.get_poll(session, poll_id=task.ref_id)
    if poll is not None and poll.status == PollStatus.OPEN:
        await close_poll(session, bd, poll)
        log.info("poll %s closed at its deadline", poll.id)


async def _poll_reminder(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    poll = await poll_repo.get_poll(session, poll_id=task.ref_id)
    if poll is not None and poll.status == PollStatus.OPEN:
        count = await remind(session, bd, poll, f"t{task.id}")
        log.info("poll %s: reminded %d members", poll.id, count)


async def _meeting_reminder(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    meeting = await meeting_repo.get_meeting(session, meeting_id=task.ref_id)
    if meeting is not None:
        count = await remind_meeting(session, bd, meeting, f"t{task.id}")
        log.info("meeting %s: reminded %d members", meeting.id, count)


async def _agenda_close(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    meeting = await meeting_repo.get_meeting(session, meeting_id=task.ref_id)
    if meeting is not None:
        count = await proposals_closed(session, bd, meeting)
        log.info("meeting %s: proposals closed, %d coordinators told", meeting.id, count)


WORK: dict[TaskKind, Callable[[AsyncSession, BotData, DueTask], Awaitable[None]]] = {
    TaskKind.POLL_CLOSE: _close,
    TaskKind.POLL_REMINDER: _poll_reminder,
    TaskKind.MEETING_REMINDER: _meeting_reminder,
    TaskKind.CADENCE_REVIEW: review_step,
    TaskKind.CADENCE_OPEN: open_step,
    TaskKind.AGENDA_CLOSE: _agenda_close,
    TaskKind.ACTION_REMINDER: remind_action,
}


async def run_due_tasks(bd: BotData) -> int:
    """Do every due task once: the claim and the work share one transaction."""
    now = bd.clock.now()
    async with bd.sessionmaker() as session:
        due = await tasks.list_due(session, now=now)
    done = 0
    for task in due:
        assert task.id is not None
        async with bd.sessionmaker.begin() as session:
            if not await tasks.claim(session, task_id=task.id, now=now):
                continue  # another sweep did it
            await WORK[task.kind](session, bd, task)
            done += 1
    return done


async def sweep(bd: BotData) -> None:
    """Do all due work once. Idempotent: running it twice, or late, does each thing once."""
    reclaimed = await bd.dispatcher.reclaim()  # claims whose dispatcher died
    released = await release_due(bd)
    planned = await plan_unplanned(bd)  # rhythms without a next step (e.g. new at start)
    done = await run_due_tasks(bd)
    await retention_sweep(bd)
    if released or done or reclaimed:
        bd.dispatcher.wake()
        log.info("sweep: %d announcements released, %d tasks done", released, done)
    if planned:
        log.info("meeting cadence: %d groups have a planned next step", planned)


async def sweep_job(context: Context) -> None:
    """JobQueue entry point for :func:`sweep`."""
    await sweep(context.bot_data)


class LeaderWork:
    """The leader's share: the outbox dispatcher, the delivery reports and the sweep.

    A new leader starts its dispatcher at once: claims an old leader still works on keep
    their lease, and only expired ones are taken back (``Dispatcher.reclaim``, each sweep)."""

    def __init__(
        self,
        *,
        dispatcher: Dispatcher,
        reports: ReportUpdater,
        job_queue: JobQueue[Any] | None,
    ) -> None:
        self.dispatcher = dispatcher
        self.reports = reports
        self.job_queue = job_queue

    async def start(self) -> None:
        """Start the sweep, the reports and the dispatcher."""
        if self.job_queue is not None:
            self.job_queue.run_repeating(
                sweep_job, interval=SWEEP_INTERVAL, first=1, name=SWEEP_JOB
            )
        self.reports.start()
        await self.dispatcher.start()

    async def stop(self) -> None:
        """Stop the sweep, the dispatcher (letting sends under way finish) and the reports."""
        if self.job_queue is not None:
            for job in self.job_queue.get_jobs_by_name(SWEEP_JOB):  # none once the queue stopped
                job.schedule_removal()
        await self.dispatcher.stop()
        await self.reports.stop()
