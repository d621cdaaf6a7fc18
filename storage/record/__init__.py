"""Repository functions of the meeting record: check-ins, agenda items, minutes, decisions,
action items and the record dialogue's pending input. Keyword-only, session first, never commit.
"""

from __future__ import annotations

from storage.record.actions import (
    actions_of,
    add_action,
    add_decision,
    add_minutes,
    decisions_of,
    get_action,
    minutes_of,
    open_actions,
)
from storage.record.agenda import (
    AgendaData,
    accept,
    add_agenda_item,
    agenda,
    entry_count,
    get_agenda_item,
    load_agenda,
    move,
    proposals,
)
from storage.record.checkins import (
    answer_of,
    answers,
    check_in,
    checked_in_ids,
    checkin_count,
    checkin_token,
    group_members,
    meeting_by_token,
    meeting_reminders_done,
    meetings_of_group,
    members_by_id,
    next_meeting,
    undo_check_in,
)
from storage.record.inputs import expect, expected, stop_expecting

__all__ = [
    "AgendaData",
    "accept",
    "actions_of",
    "add_action",
    "add_agenda_item",
    "add_decision",
    "add_minutes",
    "agenda",
    "answer_of",
    "answers",
    "check_in",
    "checked_in_ids",
    "checkin_count",
    "checkin_token",
    "decisions_of",
    "entry_count",
    "expect",
    "expected",
    "get_action",
    "get_agenda_item",
    "group_members",
    "load_agenda",
    "meeting_by_token",
    "meeting_reminders_done",
    "meetings_of_group",
    "members_by_id",
    "minutes_of",
    "move",
    "next_meeting",
    "open_actions",
    "proposals",
    "stop_expecting",
    "undo_check_in",
]
