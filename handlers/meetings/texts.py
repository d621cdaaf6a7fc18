"""Rendering meetings in the reader's language. Pure: values in, HTML out."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.i18n import Lang
from handlers import texts
from handlers.callback_data import AgendaManage, AgendaStep, Attend, CheckInHere
from handlers.callbacks import encode
from storage.models import Group, Meeting


def meeting_when(lang: Lang, meeting: Meeting, tz: ZoneInfo) -> str:
    """A meeting's date and time in full."""
    return texts.when(lang, meeting.starts_at, meeting.ends_at, meeting.all_day, tz)


def meeting_notice(
    lang: Lang, meeting: Meeting, group: Group, tz: ZoneInfo, *, changed: bool = False
) -> str:
    """The meeting as everyone receives it (with the calendar file)."""
    if changed:
        head = lang._("<b>{group}</b>: the meeting has moved.", group=escape(group.name))
    else:
        head = lang._("<b>{group}</b>: the meeting is fixed.", group=escape(group.name))
    lines = ["📅 " + head, meeting_when(lang, meeting, tz)]
    lines += texts.details(lang, meeting.location, meeting.note)
    lines += ["", lang._("Add it to your calendar with the file. Will you come?")]
    return lang.lines(lines)


def meeting_cancelled(lang: Lang, meeting: Meeting, group: Group, tz: ZoneInfo) -> str:
    """A cancelled meeting."""
    return "🚫 " + lang._(
        "<b>{group}</b>: the meeting on {when} is cancelled.",
        group=escape(group.name),
        when=meeting_when(lang, meeting, tz),
    )


def meeting_reminder(lang: Lang, meeting: Meeting, group: Group, tz: ZoneInfo) -> str:
    """A reminder before a meeting."""
    lines = [
        "⏰ "
        + lang._(
            "Reminder: <b>{group}</b> meets on {when}.",
            group=escape(group.name),
            when=meeting_when(lang, meeting, tz),
        )
    ]
    lines += texts.details(lang, meeting.location, meeting.note)
    return lang.lines(lines)


def attendance_keyboard(
    lang: Lang,
    meeting: Meeting,
    *,
    mine: bool | None = None,
    here: bool = False,
    propose: bool = False,
) -> InlineKeyboardMarkup:
    """I'll come / I can't (the member's answer ``mine`` marked, as votes are); with ``here``
    the check-in button, with ``propose`` the agenda proposal button; the online link when
    there is one."""
    assert meeting.id is not None
    rows = [_answer_row(lang, meeting.id, mine)]
    if here:
        rows.append(
            [
                InlineKeyboardButton(
                    "✋ " + lang._("I'm here"), callback_data=encode(CheckInHere(meeting.id))
                )
            ]
        )
    if propose:
        rows.append(
            [
                InlineKeyboardButton(
                    "📝 " + lang._("Propose an agenda item"),
                    callback_data=encode(AgendaManage(AgendaStep.PROPOSE, meeting.id)),
                )
            ]
        )
    if meeting.online_url:
        rows.append([InlineKeyboardButton("🌐 " + lang._("Join online"), url=meeting.online_url)])
    return InlineKeyboardMarkup(rows)


def _answer_row(lang: Lang, meeting_id: int, mine: bool | None) -> list[InlineKeyboardButton]:
    """I'll come / I can't, the member's answer in brackets."""
    come, cannot = "👍 " + lang._("I'll come"), "👎 " + lang._("I can't")
    if mine is True:
        come = f"[{come}]"
    elif mine is False:
        cannot = f"[{cannot}]"
    return [
        InlineKeyboardButton(come, callback_data=encode(Attend(meeting_id, True))),
        InlineKeyboardButton(cannot, callback_data=encode(Attend(meeting_id, False))),
    ]
