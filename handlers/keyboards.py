"""Inline keyboards. Pure builders; button labels go through the translation layer."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, Lang
from handlers.callback_data import (
    ArchiveGroup,
    Callback,
    ChooseLanguage,
    ConfirmForget,
    Consent,
    Dismiss,
    ToggleMembership,
)
from handlers.callbacks import encode, microseconds
from storage.models import Group, Member
from storage.summaries import GroupSummary


def button(text: str, data: Callback) -> InlineKeyboardButton:
    """One inline button carrying encoded callback data."""
    return InlineKeyboardButton(text, callback_data=encode(data))


def consent(lang: Lang, slug: str | None, *, chosen: bool = False) -> InlineKeyboardMarkup:
    """The single consent button (remembering the group of a deep link, and the language if it
    was ``chosen`` with /language)."""
    language = lang.code if chosen else None
    return InlineKeyboardMarkup([[button("✅ " + lang._("I agree"), Consent(slug, language))]])


def languages(current: str) -> InlineKeyboardMarkup:
    """One button per language, in its own name, one a row (so no name is ever cut off, however
    narrow the message); the current one is ticked."""
    return InlineKeyboardMarkup(
        [
            [
                button(
                    ("✅ " if code == current else "") + LANGUAGE_NAMES[code], ChooseLanguage(code)
                )
            ]
            for code in SUPPORTED_LANGUAGES
        ]
    )


def confirm_forget(lang: Lang, member: Member) -> InlineKeyboardMarkup:
    """Delete everything, or keep it."""
    assert member.id is not None
    created = microseconds(member.created_at)
    return InlineKeyboardMarkup(
        [
            [button("🗑 " + lang._("Yes, delete my data"), ConfirmForget(member.id, created))],
            [button(lang._("Cancel"), Dismiss())],
        ]
    )


def group_toggles(
    lang: Lang, summaries: Sequence[GroupSummary], joined: set[int]
) -> InlineKeyboardMarkup:
    """One join/leave button per group."""
    rows = []
    for s in summaries:
        assert s.group.id is not None
        if s.group.id in joined:
            label = "✖️ " + lang._("Leave {group}", group=s.group.name)
        else:
            label = "➕ " + lang._("Join {group}", group=s.group.name)
        rows.append([button(label, ToggleMembership(s.group.id, join=s.group.id not in joined))])
    return InlineKeyboardMarkup(rows)


def confirm_archive(lang: Lang, group: Group) -> InlineKeyboardMarkup:
    """Archive or keep."""
    assert group.id is not None
    return InlineKeyboardMarkup(
        [
            [
                button("🗄 " + lang._("Archive"), ArchiveGroup(group.id)),
                button(lang._("Cancel"), Dismiss()),
            ]
        ]
    )
