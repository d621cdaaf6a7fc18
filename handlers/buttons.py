"""Every button in one table: the type of its callback data -> the function that handles it.

Callback data is parsed once, in :mod:`handlers.callbacks` (prefix -> typed value); this table
says where each kind of press goes. One CallbackQueryHandler looks a press up here; data that
decodes to nothing (stale, forged) falls through to ``handlers.errors.unknown_button``. Each
function re-checks who presses and what they may do: anyone can forge callback data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import callback_data as cd
from handlers.admin import groups as admin
from handlers.announcements import actions as announce_actions
from handlers.announcements import compose as announce
from handlers.callbacks import decode
from handlers.context import Context
from handlers.meetings import action_reminders, agenda, attendance, decisions, minutes, record
from handlers.meetings import commands as meetings
from handlers.membership import groups as membership
from handlers.membership import start
from handlers.polls import compose as polls
from handlers.polls import manage as poll_manage
from handlers.polls import voting
from handlers.privacy import commands as privacy

Button = Callable[[Update, Context], Awaitable[None]]


async def _record_button(update: Update, context: Context) -> None:
    """A record button: an export or the online link (/record), else the minutes' dialogue."""
    query = update.callback_query
    data = decode(query.data) if query else None
    if isinstance(data, cd.RecordAction) and data.step in record.EXPORT_STEPS:
        await record.export_button(update, context)
    else:
        await minutes.record_button(update, context)


#: Callback data type -> button function, by feature.
ROUTES: Mapping[type, Button] = {
    # membership
    cd.Consent: start.consent_button,
    cd.ToggleMembership: membership.toggle_button,
    # polls: voting (the most frequent press), composing, managing
    cd.VoteAction: voting.vote_button,
    cd.PollTarget: polls.target_button,
    cd.PollDraftAction: polls.draft_button,
    cd.PollManage: poll_manage.manage_button,
    cd.RemoveOption: poll_manage.remove_option_button,
    cd.ChooseOption: poll_manage.choose_button,
    # meetings
    cd.Attend: meetings.attend_button,
    cd.MeetingManage: meetings.manage_button,
    # the meeting record: attendance and check-in, agenda, minutes and actions, exports
    cd.CheckInHere: attendance.here_button,
    cd.AttendanceList: attendance.attendance_button,
    cd.CorrectCheckIn: attendance.correct_button,
    cd.AgendaManage: agenda.agenda_button,
    cd.AgendaItemAction: agenda.item_button,
    cd.RecordAction: _record_button,
    cd.ActionOwner: decisions.owner_button,
    cd.ActionDone: action_reminders.done_button,
    # announcements
    cd.AnnounceTarget: announce.target_button,
    cd.AnnounceAction: announce_actions.action_button,
    # privacy and language
    cd.ConfirmForget: privacy.forget_button,
    cd.ChooseLanguage: privacy.language_button,
    # administration
    cd.ArchiveGroup: admin.archive_button,
    cd.Dismiss: admin.dismiss_button,
}


def _routed(raw: object) -> bool:
    """The pattern: data that decodes to a kind this table knows."""
    return type(decode(raw)) in ROUTES


async def button(update: Update, context: Context) -> None:
    """Hand a press to the function its data's type names."""
    if (query := update.callback_query) is None:
        return
    await ROUTES[type(decode(query.data))](update, context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add the one handler for every known button."""
    app.add_handler(CallbackQueryHandler(button, pattern=_routed))
