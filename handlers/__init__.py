"""Everything that speaks Telegram: commands, buttons, job callbacks, keyboards and texts."""

from __future__ import annotations

from telegram.ext import Application

from handlers import buttons, errors, inputs
from handlers.admin import groups as admin
from handlers.admin import status
from handlers.announcements import compose as announce
from handlers.announcements import listing as announce_list
from handlers.cadence import schedule
from handlers.meetings import agenda, attendance, minutes, record
from handlers.meetings import commands as meetings
from handlers.membership import groups as membership
from handlers.membership import links, start
from handlers.polls import compose as polls
from handlers.polls import overview as poll_overview
from handlers.polls import remind as poll_remind
from handlers.polls import settings as poll_settings
from handlers.privacy import commands as privacy


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add every handler. Order matters: the first matching handler in a group wins."""
    attendance.register(app)  # /start here-<token> (before /start), /checkin
    start.register(app)  # /start, /help and blocked/unblocked updates
    buttons.register(app)  # every button, one table (handlers/buttons.py): looked at early
    membership.register(app)  # /groups, /join, /leave, /mygroups
    admin.register(app)  # organiser and coordinator commands
    status.register(app)  # /status for the organisers
    privacy.register(app)  # /privacy, /mydata, /forgetme, /language
    links.register(app)  # /link and /unlink in group chats, supergroup migration
    announce.register(app)  # /announce, /cancel
    announce_list.register(app)  # /announcements
    polls.register(app)  # /poll
    poll_overview.register(app)  # /polls
    poll_remind.register(app)  # /remind
    meetings.register(app)  # /meetings
    agenda.register(app)  # /agenda: the next meeting's agenda
    minutes.register(app)  # /minutes: minutes, decisions and action items
    record.register(app)  # /record: the group's record and its exports
    schedule.register(app)  # /schedule: each group's meeting rhythm
    poll_settings.register(app)  # /settings: quorum, confirmation, reminder hours
    inputs.register(app)  # private free text: input for what is being composed; after commands
    errors.register(app)  # catch-alls for unknown commands, text and buttons: keep last
