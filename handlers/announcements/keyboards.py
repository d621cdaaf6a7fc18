"""The announcement preview's buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.i18n import Lang
from handlers.callback_data import AnnounceAction, AnnounceStep
from handlers.callbacks import encode
from storage.models import Announcement


def preview_keyboard(lang: Lang, draft: Announcement, has_chat: bool) -> InlineKeyboardMarkup:
    """Send / Schedule / Cancel, the urgent switch and, with a linked chat, the pin switch."""
    assert draft.id is not None

    def button(label: str, step: AnnounceStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=encode(AnnounceAction(step, draft.id or 0))
        )

    urgent = lang._("Urgent: on") if draft.urgent else lang._("Urgent: off")
    switches = [button(("🔔 " if draft.urgent else "🔕 ") + urgent, AnnounceStep.URGENT)]
    if has_chat:
        pin = lang._("Pin in group chat: on") if draft.pin else lang._("Pin in group chat: off")
        switches.append(button("📌 " + pin, AnnounceStep.PIN))
    return InlineKeyboardMarkup(
        [
            [
                button("✅ " + lang._("Send"), AnnounceStep.SEND),
                button("🕒 " + lang._("Schedule"), AnnounceStep.SCHEDULE),
                button("✖️ " + lang._("Cancel"), AnnounceStep.CANCEL),
            ],
            switches,
        ]
    )
