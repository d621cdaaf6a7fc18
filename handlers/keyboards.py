"""Inline keyboards. Pure builders; button labels go through the translation layer."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.i18n import Lang
from handlers.callbacks import ArchiveGroup, Callback, Consent, Dismiss, ToggleMembership, encode
from storage.groups import GroupSummary
from storage.models import Group


def button(text: str, data: Callback) -> InlineKeyboardButton:
    """One inline button carrying encoded callback data."""
    return InlineKeyboardButton(text, callback_data=encode(data))


def consent(lang: Lang, slug: str | None) -> InlineKeyboardMarkup:
    """The single consent button (remembering the group of a deep link)."""
    return InlineKeyboardMarkup([[button("✅ " + lang._("I agree"), Consent(slug))]])


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
        rows.append([button(label, ToggleMembership(s.group.id))])
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
