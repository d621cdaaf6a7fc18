"""Rendering: values to Telegram HTML in the reader's language. Pure; no sending here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import GremiumError
from domain.i18n import Lang, LazyText
from domain.splitting import strip_tags
from handlers.services import Services
from storage.models import Group, Member, Membership, Role
from storage.summaries import GroupSummary

BULLET = "•"
#: Typed values are echoed in replies at most this long: a 4096-character text quoted back in
#: a refusal would not fit in one Telegram message.
MAX_ECHO = 200


def error(lang: Lang, err: GremiumError) -> str:
    """A domain error's message (every problem it found, a line each), with every
    user-supplied value escaped."""
    return "\n".join(render_lazy(lang, text) for text in (err.text, *err.more))


def render_lazy(lang: Lang, text: LazyText) -> str:
    """Translate a lazy text, escaping its string parameters."""
    params: Mapping[str, Any] = {
        k: escape(_clipped(v)) if isinstance(v, str) else v for k, v in text.params.items()
    }
    return LazyText(text.msgid, params, text.plural, text.n).render(lang)


def _clipped(value: str) -> str:
    return value if len(value) <= MAX_ECHO else value[: MAX_ECHO - 1] + "…"


def welcome(lang: Lang, *, first_name: str, organisation: str) -> str:
    """The greeting a new person sees after /start."""
    return lang._(
        "Hello {name}! I am the assistant of {organisation}.\n\n"
        "Here you join working groups, receive their announcements and vote on meeting dates "
        "with one tap. To do that I need your consent to store a few details about you.",
        name=escape(first_name),
        organisation=escape(organisation),
    )


def privacy_notice(lang: Lang, *, organisation: str, contact: str) -> str:
    """The short privacy notice shown before consent; /privacy has the full one."""
    text = lang._(
        "<b>Privacy</b>\n"
        "I store your Telegram id, your name, your language, the groups you join, your votes "
        "and whether you come to meetings. Coordinators see the members of their own groups. "
        "{organisation} uses this only to run the working groups. You can see, download or "
        "delete your data at any time.",
        organisation=escape(organisation),
    )
    if contact:
        text += "\n" + lang._("Contact: {contact}", contact=escape(contact))
    return text


def welcome_back(lang: Lang, *, first_name: str) -> str:
    """The greeting for someone who already consented."""
    return lang._(
        "Welcome back, {name}! /groups shows the working groups, /help what I can do.",
        name=escape(first_name),
    )


def consent_given(lang: Lang) -> str:
    """Confirmation after the consent button."""
    return lang._("Thank you! You can now join working groups.")


def group_list(lang: Lang, summaries: Sequence[GroupSummary], joined: set[int]) -> str:
    """/groups: every active group with its member count; the member's own are marked."""
    if not summaries:
        return lang._("There are no working groups yet.")
    lines = [lang._("<b>Working groups</b>"), ""]
    for s in summaries:
        mark = "✅" if s.group.id in joined else BULLET
        count = lang.ngettext("{n} member", "{n} members", s.member_count)
        lines.append(f"{mark} <b>{lang.isolate(escape(s.group.name))}</b> — {count}")
    lines += ["", lang._("Tap a group to join it, tap it again to leave.")]
    return lang.lines(lines)


def my_groups(lang: Lang, rows: Sequence[tuple[Group, Membership]]) -> str:
    """/mygroups: the member's groups and their role in each."""
    if not rows:
        return lang._("You are not in any working group yet. /groups shows them all.")
    lines = [lang._("<b>Your working groups</b>"), ""]
    for group, membership in rows:
        role = role_name(lang, membership.role)
        name, slug = lang.isolate(escape(group.name)), lang.typed(escape(group.slug))
        lines.append(f"{BULLET} <b>{name}</b> ({slug}) — {role}")
    return lang.lines(lines)


def role_name(lang: Lang, role: Role) -> str:
    """A role as the member reads it."""
    if role == Role.COORDINATOR:
        return lang._("coordinator")
    return lang._("member")


def joined(lang: Lang, group: Group) -> str:
    """Confirmation after joining."""
    return lang._("You joined {group}.", group=escape(group.name))


def left(lang: Lang, group: Group) -> str:
    """Confirmation after leaving."""
    return lang._("You left {group}.", group=escape(group.name))


def already_member(lang: Lang, group: Group) -> str:
    """Joining twice."""
    return lang._("You are already a member of {group}.", group=escape(group.name))


def not_member(lang: Lang, group: Group) -> str:
    """Leaving a group one is not in."""
    return lang._("You are not a member of {group}.", group=escape(group.name))


def member_line(lang: Lang, member: Member, membership: Membership) -> str:
    """One line of /members."""
    parts = [f"{BULLET} {lang.isolate(escape(member.display_name))}"]
    if member.username:
        parts.append(lang.typed(f"@{escape(member.username)}"))
    if membership.role == Role.COORDINATOR:
        parts.append(f"({role_name(lang, membership.role)})")
    if member.unreachable_since is not None:
        parts.append("⚠️ " + lang._("not reachable"))
    return lang.lines([" ".join(parts)])


def members_header(lang: Lang, group: Group, count: int) -> str:
    """The heading of /members."""
    return lang.ngettext(
        "<b>{group}</b>: {n} member",
        "<b>{group}</b>: {n} members",
        count,
        group=escape(group.name),
    )


def plain(html_text: str) -> str:
    """HTML to plain text, for callback answers (toasts) which Telegram shows unformatted."""
    return strip_tags(html_text)


def greeting(lang: Lang, bd: Services, *, first_name: str, again: Member | None) -> str:
    """The welcome with the short privacy notice; ``again`` for a member whose consent is for
    an older version of the notice. Ends with /language, recognisable in any language."""
    parts = [
        welcome(lang, first_name=first_name, organisation=bd.organisation_name),
        privacy_notice(lang, organisation=bd.organisation_name, contact=bd.organisation_contact),
        lang.lines(["🌐 " + lang.typed("/language")]),
    ]
    if again is not None:
        parts.insert(
            0,
            lang._(
                "The privacy notice has changed. Please read it and agree again to keep "
                "using the bot."
            ),
        )
    return "\n\n".join(parts)


def when(
    lang: Lang, starts_at: datetime, ends_at: datetime | None, all_day: bool, tz: ZoneInfo
) -> str:
    """A date (and time range) in full: "Dienstag, 12. Januar 2027, 17:00–19:00"."""
    if all_day:
        return lang.day(starts_at.astimezone(tz).date()) + " · " + lang._("all day")
    text = lang.when(starts_at, tz)
    if ends_at is not None and ends_at > starts_at:
        text += "–" + lang.clock(ends_at.astimezone(tz).time())
    return text


def details(lang: Lang, location: str | None, note: str | None) -> list[str]:
    """The place and the note of a poll or meeting, one line each."""
    lines = []
    if location:
        lines.append("📍 " + escape(location))
    if note:
        lines.append("📝 " + escape(note))
    return lines
