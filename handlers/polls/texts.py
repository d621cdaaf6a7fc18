"""Rendering date polls in the reader's language. Pure: values in, HTML out."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.direction import RLM
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
    """One option, short enough for a button: "Di 8.12. 17:00" ("Di 8.12." all day)."""
    return lang.button_when(option.starts_at, tz, with_time=not option.all_day)


def option_labels(lang: Lang, options: Sequence[PollOption], tz: ZoneInfo) -> list[str]:
    """The options' button labels, never cut off: the short day ("Di 8.12.", "Tue 8 Dec",
    "الثلاثاء 8/12"), with the time only where two options share a day."""
    days = Counter(option.starts_at.astimezone(tz).date() for option in options)
    return [
        lang.button_when(
            option.starts_at,
            tz,
            with_time=not option.all_day and days[option.starts_at.astimezone(tz).date()] > 1,
        )
        for option in options
    ]


def tally(lang: Lang, count: Count) -> str:
    """ "✅ 2 · 🤔 0 · ❌ 0", each mark beside its own count in either writing direction."""
    return lang.tally(
        (
            (ANSWER_MARK["yes"], count.yes),
            (ANSWER_MARK["maybe"], count.maybe),
            (ANSWER_MARK["no"], count.no),
        )
    )


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
    lines = _poll_head(lang, poll, group, tz, reminder=reminder)
    for index, option in enumerate(options, 1):
        assert option.id is not None
        c = counts.get(option.id, Count(option.id))
        lines.append(f"{index}. {lang.isolate(option_when(lang, option, tz))}")
        lines.append(f"    {tally(lang, c)}")
    lines += _poll_foot(lang, poll, answered, total)
    return lang.lines(lines)


def _poll_head(lang: Lang, poll: Poll, group: Group, tz: ZoneInfo, *, reminder: bool) -> list[str]:
    """The lines above the options: reminder, title, details, deadline."""
    lines = []
    if reminder:
        lines += ["⏰ " + lang._("Reminder: please answer the date poll."), ""]
    lines.append("🗓 " + lang._("<b>{group}</b>: when shall we meet?", group=escape(group.name)))
    lines += texts.details(lang, poll.location, poll.note)
    if poll.deadline is not None:
        lines.append(lang._("Please answer by {when}.", when=lang.when(poll.deadline, tz)))
    lines.append("")
    return lines


def _poll_foot(lang: Lang, poll: Poll, answered: int, total: int) -> list[str]:
    """The lines below the options: who answered, and what the poll's state allows."""
    lines = [
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
    return lines


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
        labels = option_labels(lang, options, tz)
    dates = tuple((option.id or 0, label) for option, label in zip(options, labels, strict=True))
    return _keyboard(dates, tuple(mine.get(option_id) for option_id, _ in dates), lang.rtl)


@functools.lru_cache(maxsize=2048)
def _keyboard(
    dates: tuple[tuple[int, str], ...], chosen: tuple[str | None, ...], rtl: bool = False
) -> InlineKeyboardMarkup:
    """:func:`poll_keyboard` for ``(option id, label)`` rows and the answer chosen in each.
    Many members share a keyboard (the same dates, the same answers), and keyboards are
    immutable, so the ones drawn are kept."""
    rows = []
    for index, ((option_id, label), answered) in enumerate(zip(dates, chosen, strict=True), 1):
        row = [
            InlineKeyboardButton(
                f"{RLM if rtl else ''}{index}. {label}",
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
        lines.append(f"{lang.isolate(option_short(lang, option, tz))}: {tally(lang, c)}")
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
    return lang.lines(lines)
