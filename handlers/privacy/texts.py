"""Rendering for data protection and languages: /privacy, /mydata, /forgetme, /language. Pure."""

from __future__ import annotations

from html import escape

from domain.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, Lang


def months(lang: Lang, n: int) -> str:
    """A period in months: "12 Monate"."""
    return lang.ngettext("{n} month", "{n} months", n)


def privacy(
    lang: Lang,
    *,
    organisation: str,
    contact: str,
    inactive_months: int,
    vote_months: int,
) -> str:
    """/privacy: what is stored, why, who sees it, for how long, and the member's rights."""
    parts = [
        *_what_why_who(lang, organisation),
        _how_long(lang, inactive_months, vote_months),
        lang._(
            "<b>Your rights:</b> /mydata sends you everything I store about you, /forgetme "
            "deletes it, /language changes the language."
        ),
    ]
    if contact:
        parts.append(lang._("Contact: {contact}", contact=escape(contact)))
    return "\n\n".join(parts)


def _what_why_who(lang: Lang, organisation: str) -> list[str]:
    """The notice's heading, then what is stored, why, and who sees it."""
    return [
        lang._("<b>Data protection</b>"),
        lang._(
            "<b>What I store:</b> your Telegram id, your name and username as Telegram shows "
            "them, your language, when you agreed to this notice, the groups you are in and "
            "your role there, your votes in date polls and whether you come to meetings."
        ),
        lang._(
            "<b>Why:</b> only to run the working groups of {organisation}: invitations, date "
            "polls, reminders and meeting notices. Nothing is passed on, nothing is analysed.",
            organisation=escape(organisation),
        ),
        lang._(
            "<b>Who sees it:</b> the coordinators of a group see its members, their votes and "
            "who comes to its meetings, for their own groups only. The organisers see all "
            "groups. Telegram delivers the messages."
        ),
    ]


def _how_long(lang: Lang, inactive_months: int, vote_months: int) -> str:
    """How long the data is kept."""
    return lang._(
        "<b>How long:</b> until you delete it. If you are in no group, or I cannot reach "
        "you (for example because you blocked me), for {period}, I delete your data on my "
        "own. Closed polls keep only anonymous counts: the votes in them are deleted "
        "{vote_period} after the poll closed.",
        period=months(lang, inactive_months),
        vote_period=months(lang, vote_months),
    )


def mydata_caption(lang: Lang) -> str:
    """The caption of the /mydata file."""
    return lang._("Everything I store about you, as a JSON file.")


def nothing_stored(lang: Lang) -> str:
    """/mydata or /forgetme from someone who never consented."""
    return lang._(
        "I store nothing about you: you have not agreed to the privacy notice. "
        "/privacy says what I would store."
    )


def forget_question(lang: Lang) -> str:
    """/forgetme: the question before deleting."""
    return lang._(
        "Do you want me to delete all your data? You leave all your groups; your answers to "
        "open polls and upcoming meetings are deleted. Closed polls and past meetings keep only "
        "anonymous counts. This cannot be undone."
    )


def forgotten(lang: Lang) -> str:
    """After deleting."""
    return lang._("Done: I deleted all your data. If you want to come back, send /start.")


def already_forgotten(lang: Lang) -> str:
    """The confirmation pressed again after the data is gone."""
    return lang._("Your data has already been deleted.")


def stale_forget(lang: Lang) -> str:
    """A confirmation from before the member agreed again."""
    return lang._(
        "This button is from before you agreed again. Send /forgetme if you want to delete "
        "your data now."
    )


def choose_language(lang: Lang) -> str:
    """/language: the question above the buttons."""
    return lang._("Which language shall I speak with you?")


def unknown_language(lang: Lang, code: str) -> str:
    """/language with a code Gremium does not speak."""
    return lang._(
        "I do not speak “{code}”. I can speak: {languages}. Choose one:",
        code=escape(code[:20]),
        languages=", ".join(f"{LANGUAGE_NAMES[c]} ({c})" for c in SUPPORTED_LANGUAGES),
    )


def language_set(lang: Lang) -> str:
    """Confirmation, written in the new language."""
    return lang._("From now on I write to you in English.")
