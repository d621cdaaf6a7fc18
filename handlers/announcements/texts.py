"""Rendering announcements: what members see, the preview, the delivery report, the list."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from domain.delivery import split_message, visible_length
from domain.i18n import Lang
from domain.splitting import strip_tags
from storage.models import Announcement, AnnouncementStatus, ContentKind, DeliveryStatus

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096


def header(lang: Lang, group_name: str | None, sender_name: str) -> str:
    """The line above every announcement: which group, who sends."""
    target = escape(group_name) if group_name else lang._("All working groups")
    return f"📢 <b>{target}</b> · {escape(sender_name)}"


def payload(lang: Lang, announcement: Announcement, head: str) -> list[dict[str, Any]]:
    """The Bot API calls that show an announcement to one reader: text split where needed."""
    body = announcement.text_html or ""
    text = f"{head}\n\n{body}" if body else head
    if announcement.content_kind in (ContentKind.PHOTO, ContentKind.DOCUMENT):
        method, field = (
            ("sendPhoto", "photo")
            if announcement.content_kind == ContentKind.PHOTO
            else ("sendDocument", "document")
        )
        media: dict[str, Any] = {field: announcement.file_id, "parse_mode": "HTML"}
        if visible_length(text) <= CAPTION_LIMIT:
            return [{"method": method, "params": {**media, "caption": text}}]
        parts = [_text(p) for p in split_message(text, TEXT_LIMIT)]
        return [*parts, {"method": method, "params": media}]
    return [_text(p) for p in split_message(text, TEXT_LIMIT)]


def _text(html: str) -> dict[str, Any]:
    return {"method": "sendMessage", "params": {"text": html, "parse_mode": "HTML"}}


def ask_for_content(lang: Lang, group_name: str | None) -> str:
    """After the group was chosen."""
    target = escape(group_name) if group_name else lang._("all working groups")
    return lang._(
        "Send me the announcement for {target}: a text, or a photo or document with a caption. "
        "Formatting is kept. /cancel stops.",
        target=target,
    )


def ask_for_time(lang: Lang, example: str) -> str:
    """After Schedule was pressed."""
    return lang._(
        "When should it go out? Write a date and time, for example {example}. /cancel stops.",
        example=example,
    )


def scheduled(lang: Lang, when: str) -> str:
    """Confirmation of a scheduled announcement."""
    return lang._(
        "Scheduled for {when}. /announcements lists it; you can cancel it there.", when=when
    )


def report(
    lang: Lang,
    target: str,
    counts: Counter[DeliveryStatus],
    unreachable: list[str],
    quiet_until: str | None = None,
) -> str:
    """The live delivery report, edited as the outbox works; ``quiet_until``: the local time
    at which the messages held back by the quiet hours go out."""
    pending = counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.SENDING]
    waiting = lang._("waiting: {n}", n=lang.number(pending))
    if pending and quiet_until is not None:
        waiting = lang._(
            "waiting: {n} — until {time} (quiet hours)", n=lang.number(pending), time=quiet_until
        )
    lines = [
        lang._("<b>Delivery of the announcement to {target}</b>", target=escape(target)),
        "✅ " + lang._("delivered: {n}", n=lang.number(counts[DeliveryStatus.SENT])),
        "⏳ " + waiting,
        "❌ " + lang._("failed: {n}", n=lang.number(counts[DeliveryStatus.FAILED])),
        "🚫 " + lang._("unreachable: {n}", n=lang.number(counts[DeliveryStatus.UNREACHABLE])),
    ]
    if unreachable:
        names = ", ".join(escape(n) for n in unreachable[:50])
        more = len(unreachable) - 50
        lines.append(
            lang._("Not reached: {names}", names=names) + (f" (+{more})" if more > 0 else "")
        )
    if pending == 0:
        lines.append(lang._("Finished."))
    return "\n".join(lines)


def listing_line(
    lang: Lang,
    announcement: Announcement,
    target: str,
    counts: Counter[DeliveryStatus],
    tz: ZoneInfo,
) -> str:
    """One entry of /announcements."""
    excerpt = _excerpt(announcement)
    if announcement.status == AnnouncementStatus.SCHEDULED and announcement.scheduled_for:
        state = "🕒 " + lang._(
            "scheduled for {when}", when=lang.when(announcement.scheduled_for, tz)
        )
    else:
        sent = announcement.released_at or announcement.created_at
        pending = counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.SENDING]
        state = lang._(
            "{when}: ✅ {sent} · ⏳ {pending} · ❌ {failed} · 🚫 {unreachable}",
            when=lang.stamp(sent, tz),
            sent=counts[DeliveryStatus.SENT],
            pending=pending,
            failed=counts[DeliveryStatus.FAILED],
            unreachable=counts[DeliveryStatus.UNREACHABLE],
        )
    return f"• <b>{escape(target)}</b> — {escape(excerpt)}\n   {state}"


def _excerpt(announcement: Announcement, limit: int = 60) -> str:
    text = " ".join(strip_tags(announcement.text_html or "").split())
    if not text:
        return "📎" if announcement.content_kind != ContentKind.TEXT else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
