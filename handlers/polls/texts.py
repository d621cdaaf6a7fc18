"""Rendering date polls in the reader's language. Pure: values in, HTML out."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.i18n import Lang
from handlers import texts
from handlers.callback_data import VoteAction
from handlers.callbacks import encode
from storage.models import Group, Poll, PollOption, PollStatus
from storage.summaries import Count

ANSWER_MARK = {"yes": "✅", "maybe": "🤔", "no": "❌"}


def option_when(lang: Lang, option: PollOption, tz: ZoneInfo) -> str:
    """One option in full."""
    return texts.when(lang, option.starts_at, option.ends_at, option.all_day, tz)


def option_short(lang: Lang, option: PollOption, tz: ZoneInfo) -> str:
    """One option, short enough for a button."""
    if option.all_day:
        return lang.short_weekday_day(option.starts_at.astimezone(tz).date())
    return lang.short_when(option.starts_at, tz)


def poll_message(
    lang: Lang,
    poll: Poll,
    group: Group,
    options: Sequence[PollOption],
    counts: Mapping[int, Count],
    answered: int,
    total: int,
    tz: ZoneInfo,
    *,
    reminder: bool = False,
) -> str:
    """The poll as a member sees it: options with their tallies and who answered."""
    lines = []
    if reminder:
        lines += ["⏰ " + lang._("Reminder: please answer the date poll."), ""]
    lines.append("🗓 " + lang._("<b>{group}</b>: when shall we meet?", group=escape(group.name)))
    lines += texts.details(lang, poll.location, poll.note)
    if poll.deadline is not None:
        lines.append(lang._("Please answer by {when}.", when=lang.when(poll.deadline, tz)))
    lines.append("")
    for index, option in enumerate(options, 1):
        assert option.id is not None
        c = counts.get(option.id, Count(option.id))
        lines.append(f"{index}. {option_when(lang, option, tz)}")
        lines.append(f"    ✅ {c.yes} · 🤔 {c.maybe} · ❌ {c.no}")
    lines += [
        "",
        lang.ngettext(
            "{n} of {total} answered.",
            "{n} of {total} answered.",
            answered,
            total=lang.number(total),
        ),
    ]
    if poll.status in (PollStatus.OPEN, PollStatus.DRAFT):
        lines.append(lang._("Tap ✅ yes, 🤔 maybe or ❌ no for each date. You can change it."))
    elif poll.status == PollStatus.CANCELLED:
        lines.append("✖️ " + lang._("This poll was cancelled."))
    else:
        lines.append("🔒 " + lang._("The poll is closed."))
    return "\n".join(lines)


def poll_keyboard(
    lang: Lang,
    options: Sequence[PollOption],
    mine: Mapping[int, str],
    tz: ZoneInfo,
    labels: Sequence[str] | None = None,
) -> InlineKeyboardMarkup:
    """One row per option: its date, then Yes / Maybe / No with the member's answer marked
    (``labels``: the options' short dates, when already formatted)."""
    if labels is None:
        labels = [option_short(lang, option, tz) for option in options]
    dates = tuple((option.id or 0, label) for option, label in zip(options, labels, strict=True))
    return _keyboard(dates, tuple(mine.get(option_id) for option_id, _ in dates))


@functools.lru_cache(maxsize=2048)
def _keyboard(
    dates: tuple[tuple[int, str], ...], chosen: tuple[str | None, ...]
) -> InlineKeyboardMarkup:
    """:func:`poll_keyboard` for ``(option id, label)`` rows and the answer chosen in each.
    Many members share a keyboard (the same dates, the same answers), and keyboards are
    immutable, so the ones drawn are kept."""
    rows = []
    for index, ((option_id, label), answered) in enumerate(zip(dates, chosen, strict=True), 1):
        row = [
            InlineKeyboardButton(
                f"{index}. {label}",
                callback_data=encode(VoteAction(option_id, "yes")),
            )
        ]
        for answer in ("yes", "maybe", "no"):
            mark = ANSWER_MARK[answer]
            text = f"[{mark}]" if answered == answer else mark
            row.append(
                InlineKeyboardButton(text, callback_data=encode(VoteAction(option_id, answer)))
            )
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def compact_tally(
    lang: Lang,
    group: Group,
    options: Sequence[PollOption],
    counts: Mapping[int, Count],
    answered: int,
    total: int,
    tz: ZoneInfo,
    *,
    closed: bool = False,
    group_chat: bool = True,
) -> str:
    """The short tally kept current in the group's linked chat; without ``group_chat`` (for a
    coordinator's private chat) it does not send the reader to the private chat."""
    head = lang._("<b>{group}</b>: date poll", group=escape(group.name))
    lines = ["🗓 " + head]
    for option in options:
        assert option.id is not None
        c = counts.get(option.id, Count(option.id))
        lines.append(f"{option_short(lang, option, tz)}: ✅ {c.yes} · 🤔 {c.maybe} · ❌ {c.no}")
    lines.append(
        lang.ngettext(
            "{n} of {total} answered.",
            "{n} of {total} answered.",
            answered,
            total=lang.number(total),
        )
    )
    if closed:
        lines.append(lang._("The poll is closed."))
    elif group_chat:
        lines.append(lang._("Answer in your private chat with me."))
    return "\n".join(lines)
