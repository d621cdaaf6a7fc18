"""SQLModel tables. Invariants (uniqueness, references) live here, in the database.

One module per concern; every table and enum is importable from here, and importing this
package registers every table on ``SQLModel.metadata`` (the meeting record's tables live in
:mod:`storage.record_models`).
"""

from __future__ import annotations

from sqlmodel import SQLModel

# Named constraints, so that migrations can refer to them on every database. Set before the
# tables below are defined: importing any module of this package runs this first.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The order of definition is kept (members, outbox, polls, meetings, tasks, inbox), so the
# metadata lists the tables in the same order as before.
# isort: off
from storage.models.members import Group, Member, Membership, Role  # noqa: E402
from storage.models.outbox import (  # noqa: E402
    Announcement,
    AnnouncementStatus,
    ContentKind,
    Delivery,
    DeliveryStatus,
)
from storage.models.polls import DraftStep, Poll, PollOption, PollStatus, Vote  # noqa: E402
from storage.models.meetings import Attendance, Meeting, MeetingStatus  # noqa: E402
from storage.models.tasks import DueTask, GroupRhythm, TaskKind  # noqa: E402
from storage.models.inbox import InboundUpdate  # noqa: E402
# isort: on

__all__ = [
    "Announcement",
    "AnnouncementStatus",
    "Attendance",
    "ContentKind",
    "Delivery",
    "DeliveryStatus",
    "DraftStep",
    "DueTask",
    "Group",
    "GroupRhythm",
    "InboundUpdate",
    "Meeting",
    "MeetingStatus",
    "Member",
    "Membership",
    "Poll",
    "PollOption",
    "PollStatus",
    "Role",
    "TaskKind",
    "Vote",
]
