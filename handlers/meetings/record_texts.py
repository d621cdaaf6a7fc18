"""Rendering the meeting record in the reader's language. Pure: values in, HTML out. What
members wrote (agenda items, decisions, actions, minutes) is escaped and left as written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from zoneinfo import ZoneInfo

from domain.i18n import Lang
from domain.splitting import shorten
from handlers.meetings.texts import meeting_when
from storage.models import Group, Meeting, Member
from storage.record import AgendaData
from storage.record_models import ActionItem, AgendaItem, Decision, Minutes


def names(members: Sequence[Member]) -> str:
    """Members' names, escaped, comma-separated ("–" for nobody)."""
    return ", ".join(escape(m.display_name) for m in members) or "–"


def place_lines(lang: Lang, meeting: Meeting) -> list[str]:
    """Where the meeting is: the place and/or the online link."""
    lines = []
    if meeting.location:
        lines.append("📍 " + escape(meeting.location))
    if meeting.online_url:
        lines.append("🌐 " + escape(meeting.online_url))
    return lines


def attendance_list(
    lang: Lang,
    group: Group,
    meeting: Meeting,
    tz: ZoneInfo,
    members: Sequence[Member],
    answers: Mapping[int, bool],
    present: set[int],
    anonymous_present: int,
) -> str:
    """Who comes, who cannot, who has not answered, and who was there: for coordinators."""
    coming = [m for m in members if answers.get(m.id or 0) is True]
    absent = [m for m in members if answers.get(m.id or 0) is False]
    silent = [m for m in members if (m.id or 0) not in answers]
    here = [m for m in members if (m.id or 0) in present]
    lines = [f"👥 <b>{escape(group.name)}</b>", meeting_when(lang, meeting, tz), ""]
    lines.append(lang._("👍 Coming ({n}): {names}", n=len(coming), names=names(coming)))
    lines.append(lang._("👎 Not coming ({n}): {names}", n=len(absent), names=names(absent)))
    lines.append(lang._("❔ No answer ({n}): {names}", n=len(silent), names=names(silent)))
    total = len(here) + anonymous_present
    lines.append(lang._("✋ Were there ({n}): {names}", n=total, names=names(here)))
    if anonymous_present:
        lines.append(
            lang.ngettext(
                "(and {n} person who has since left the bot)",
                "(and {n} people who have since left the bot)",
                anonymous_present,
            )
        )
    lines += ["", lang._("Tap a name to add it to the list of those present or remove it.")]
    return "\n".join(lines)


def agenda_lines(
    lang: Lang,
    items: Sequence[AgendaItem],
    actions: Sequence[ActionItem],
    owners: Mapping[int, Member],
    tz: ZoneInfo,
    width: int | None = None,
) -> list[str]:
    """The agenda: numbered items as written (or shortened to ``width``), then the open action
    items from earlier."""
    lines = [f"{i}. {escape(shorten(item.text, width))}" for i, item in enumerate(items, 1)]
    if actions:
        lines.append(f"{len(items) + 1}. " + lang._("Open action items:"))
        lines += ["   • " + action_line(lang, a, owners, width) for a in actions]
    return lines


def action_line(
    lang: Lang, action: ActionItem, owners: Mapping[int, Member], width: int | None = None
) -> str:
    """ "Flyer drucken — Ada, by 10 Feb 2027" (the task shortened to ``width``, if given)."""
    owner = owners.get(action.assignee_id or 0)
    who = escape(owner.display_name) if owner else lang._("nobody (yet)")
    return lang._(
        "{what} — {who}, by {day}",
        what=escape(shorten(action.text, width)),
        who=who,
        day=lang.short_day(action.due_on),
    )


def agenda_message(
    lang: Lang,
    group: Group,
    meeting: Meeting,
    tz: ZoneInfo,
    items: Sequence[AgendaItem],
    actions: Sequence[ActionItem],
    owners: Mapping[int, Member],
    width: int | None = None,
) -> str:
    """The agenda as members see it (each text shortened to ``width``, if given)."""
    lines = [
        "📋 " + lang._("<b>{group}</b>: agenda", group=escape(group.name)),
        meeting_when(lang, meeting, tz),
        *place_lines(lang, meeting),
        "",
    ]
    body = agenda_lines(lang, items, actions, owners, tz, width)
    lines += body or [lang._("No items yet.")]
    return "\n".join(lines)


def agenda_block(lang: Lang, tz: ZoneInfo, agenda: AgendaData) -> str:
    """The agenda under a reminder."""
    lines = ["📋 " + lang._("<b>Agenda</b>")]
    body = agenda_lines(lang, agenda.items, agenda.actions, agenda.owners, tz)
    return "\n".join(lines + (body or [lang._("No items yet.")]))


def record_of_meeting(
    lang: Lang,
    meeting: Meeting,
    tz: ZoneInfo,
    *,
    coming: int,
    not_coming: int,
    present: Sequence[Member],
    anonymous_present: int,
    items: Sequence[AgendaItem],
    minutes: Sequence[Minutes],
    decisions: Sequence[Decision],
    actions: Sequence[ActionItem],
    owners: Mapping[int, Member],
) -> str:
    """One meeting in the group's record."""
    lines = [f"📅 <b>{meeting_when(lang, meeting, tz)}</b>", *place_lines(lang, meeting)]
    lines += _attendance_lines(lang, coming, not_coming, present, anonymous_present)
    if items:
        lines.append(lang._("Agenda:"))
        lines += [f"  {i}. {escape(item.text)}" for i, item in enumerate(items, 1)]
    lines += _minutes_lines(lang, minutes)
    if decisions:
        lines.append(lang._("Decisions:"))
        lines += ["  • " + escape(d.text) for d in decisions]
    if actions:
        lines.append(lang._("Action items:"))
        for action in actions:
            mark = "✅" if action.done_at else "⏳"
            lines.append(f"  {mark} " + action_line(lang, action, owners))
    return "\n".join(lines)


def _attendance_lines(
    lang: Lang, coming: int, not_coming: int, present: Sequence[Member], anonymous_present: int
) -> list[str]:
    """Who said they would come or not, and who was present."""
    lines = [
        lang._("👍 {coming} coming · 👎 {absent} not coming", coming=coming, absent=not_coming)
    ]
    if present or anonymous_present:
        lines.append(
            lang._(
                "✋ {n} present: {names}",
                n=len(present) + anonymous_present,
                names=names(present),
            )
        )
    return lines


def _minutes_lines(lang: Lang, minutes: Sequence[Minutes]) -> list[str]:
    """Each part of the minutes: its text (shortened), its document's name."""
    lines = []
    for part in minutes:
        label = lang._("Minutes:")
        if part.text:
            lines.append(f"{label} {escape(part.text[:300])}")
        if part.file_name or part.file_id:
            document = part.file_name or lang._("document")
            lines.append(f"{label} 📎 {escape(document)}")
    return lines
