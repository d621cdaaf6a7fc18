"""The command catalogue: who may use which command, with its menu description."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.i18n import N_, Lang


class Level(enum.IntEnum):
    """How much a person may do; each level includes the ones below."""

    MEMBER = 1
    COORDINATOR = 2
    ADMIN = 3


@dataclass(frozen=True)
class Command:
    """A command with its menu description (an untranslated msgid)."""

    name: str
    description: str
    level: Level

    def describe(self, lang: Lang) -> str:
        """The description in ``lang``."""
        return lang._(self.description)


COMMANDS: tuple[Command, ...] = (
    Command("groups", N_("Working groups: join and leave"), Level.MEMBER),
    Command("mygroups", N_("My groups"), Level.MEMBER),
    Command("join", N_("Join a group: /join name"), Level.MEMBER),
    Command("leave", N_("Leave a group: /leave name"), Level.MEMBER),
    Command("help", N_("What I can do"), Level.MEMBER),
    Command("start", N_("Start and privacy notice"), Level.MEMBER),
    Command("meetings", N_("Upcoming meetings of my groups"), Level.MEMBER),
    Command("agenda", N_("Agenda of the next meeting; propose an item"), Level.MEMBER),
    Command("language", N_("Change the language"), Level.MEMBER),
    Command("privacy", N_("What I store about you, and why"), Level.MEMBER),
    Command("mydata", N_("Download everything I store about you"), Level.MEMBER),
    Command("forgetme", N_("Delete all your data"), Level.MEMBER),
    Command("announce", N_("Send an announcement to a group"), Level.COORDINATOR),
    Command("announcements", N_("Recent and scheduled announcements"), Level.COORDINATOR),
    Command("poll", N_("Start a date poll for a group"), Level.COORDINATOR),
    Command("polls", N_("Open date polls: close, extend, change"), Level.COORDINATOR),
    Command("remind", N_("Remind members who have not voted"), Level.COORDINATOR),
    Command("schedule", N_("Meeting rhythm of my groups"), Level.COORDINATOR),
    Command(
        "settings", N_("Date poll settings: quorum, confirmation, reminders"), Level.COORDINATOR
    ),
    Command("members", N_("Members of a group: /members name"), Level.COORDINATOR),
    Command("checkin", N_("Check-in QR code for the meeting"), Level.COORDINATOR),
    Command("minutes", N_("Minutes, decisions and action items"), Level.COORDINATOR),
    Command("record", N_("Meetings on record: attendance, exports"), Level.COORDINATOR),
    Command("cancel", N_("Stop writing an announcement"), Level.COORDINATOR),
    Command("newgroup", N_("Create a group: /newgroup name"), Level.ADMIN),
    Command("renamegroup", N_("Rename a group: /renamegroup group new name"), Level.ADMIN),
    Command("archivegroup", N_("Archive a group: /archivegroup group"), Level.ADMIN),
    Command(
        "addcoordinator", N_("Appoint a coordinator: /addcoordinator group person"), Level.ADMIN
    ),
    Command(
        "removecoordinator",
        N_("Remove a coordinator: /removecoordinator group person"),
        Level.ADMIN,
    ),
    Command("status", N_("How the bot is doing: deliveries, schedule, errors"), Level.ADMIN),
)


def commands_for(level: Level) -> list[Command]:
    """The commands a person at ``level`` may use, in menu order."""
    return [c for c in COMMANDS if c.level <= level]
