"""Planning the meeting rhythm's next steps lazily: the sweep plans, in batches, the groups
whose rhythm has no pending step and no poll under way; what was planned before stays."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select

from domain.cadence import Rhythm
from domain.clock import FakeClock
from domain.i18n import Translator
from handlers.meetings.rhythm import (
    PLAN_BATCH,
    new_rhythm_row,
    plan_group,
    plan_unplanned,
    store_rhythm,
)
from handlers.services import Services
from runtime.health import Runtime
from storage import groups as group_repo
from storage.db import SessionMaker
from storage.models import DueTask, TaskKind

GROUPS = PLAN_BATCH + 30


def _bot_data(sessionmaker: SessionMaker, clock: FakeClock) -> Services:
    """What planning reads, as the bot sets it up."""
    return Services(
        sessionmaker=sessionmaker,
        clock=clock,
        translator=Translator("de"),
        timezone=ZoneInfo("Europe/Berlin"),
        runtime=Runtime("test", clock.now(), "test"),
    )


async def _pending(sessionmaker: SessionMaker) -> dict[int, list[tuple[int, TaskKind]]]:
    """Each group's pending cadence steps: (task id, kind)."""
    async with sessionmaker() as session:
        rows = await session.exec(
            select(DueTask).where(
                col(DueTask.kind).in_([TaskKind.CADENCE_REVIEW, TaskKind.CADENCE_OPEN]),
                col(DueTask.done_at).is_(None),
                col(DueTask.cancelled).is_(False),
            )
        )
        found: dict[int, list[tuple[int, TaskKind]]] = {}
        for task in rows.all():
            assert task.id is not None
            found.setdefault(task.ref_id, []).append((task.id, task.kind))
    return found


async def test_the_sweep_plans_every_unplanned_group_in_batches(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Groups with a new rhythm get their steps from the sweep, a batch per transaction and
    all of them within the sweep's budget; a group planned before keeps its steps as they
    were; a second sweep plans nothing; a paused rhythm gets no steps.

    Planted bug it catches: planning groups that have a pending step again (each sweep would
    cancel and re-create every group's steps), or planning only the first batch."""
    bd = _bot_data(sessionmaker, clock)
    async with sessionmaker.begin() as session:
        ids = []
        for i in range(GROUPS):
            group = await group_repo.create_group(
                session,
                slug=f"ag-{i:04d}",
                name=f"AG {i}",
                timezone="Europe/Berlin",
                now=clock.now(),
            )
            assert group.id is not None
            ids.append(group.id)
            row = new_rhythm_row(group.id)
            store_rhythm(row, Rhythm())
            row.enabled = i != 1  # the second group's rhythm is paused
            session.add(row)
        await session.flush()
        first = await group_repo.get_group(session, group_id=ids[0])
        assert first is not None
        assert await plan_group(session, bd, first) is not None  # planned before the start
    before = await _pending(sessionmaker)
    assert set(before) == {ids[0]}

    assert await plan_unplanned(bd, budget=0.0) == PLAN_BATCH  # the budget ends after a batch
    assert await plan_unplanned(bd) == GROUPS - 2 - PLAN_BATCH
    after = await _pending(sessionmaker)
    assert set(after) == set(ids) - {ids[1]}
    assert after[ids[0]] == before[ids[0]]  # untouched
    assert all(TaskKind.CADENCE_OPEN in {k for _, k in steps} for steps in after.values())
    assert await plan_unplanned(bd) == 0
    assert await _pending(sessionmaker) == after
