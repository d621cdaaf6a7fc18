"""Rendering meetings in the reader's language. Pure: values in, HTML out."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.i18n import Lang
from handlers import texts
from handlers.callback_data import Attend
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
    lang: Lang, meeting: Meeting, coming: bool | None = None
) -> InlineKeyboardMarkup:
    """I'll come / I can't; the member's own answer (``coming``) is marked, as votes are."""
    assert meeting.id is not None
    labels = {True: "👍 " + lang._("I'll come"), False: "👎 " + lang._("I can't")}
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"[{label}]" if coming is answer else label,
                    callback_data=encode(Attend(meeting.id, answer)),
                )
                for answer, label in labels.items()
            ]
        ]
    )
