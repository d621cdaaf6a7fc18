"""/schedule: each group's meeting rhythm, shown and edited, with the next planned step."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from domain.cadence import Rhythm
from domain.dates import parse_time_window, parse_weekdays
from domain.errors import GremiumError
from domain.i18n import Lang
from domain.localtime import short_weekday
from handlers import replies
from handlers.arguments import NO, YES, split_args
from handlers.cadence.steps import candidates_for
from handlers.common import group_zone, load_actor, require_group_manager, resolve_group
from handlers.context import BotData, Context
from handlers.meetings.rhythm import (
    current_cycle,
    new_rhythm_row,
    plan_group,
    rhythm_of,
    store_rhythm,
)
from handlers.polls.compose import managed_groups
from storage import rhythms as repo
from storage import tasks
from storage.models import Group, PollStatus, TaskKind

KEYS = {
    "meetings": "per_year", "treffen": "per_year",
    "weekdays": "weekdays", "tage": "weekdays",
    "time": "window", "zeit": "window",
    "duration": "duration_minutes", "dauer": "duration_minutes",
    "place": "location", "ort": "location",
    "lead": "lead_weeks", "vorlauf": "lead_weeks",
    "open": "poll_days", "laufzeit": "poll_days",
    "dates": "candidates", "termine": "candidates",
    "review": "review", "prüfen": "review",
}  # fmt: skip


def _number(key: str, value: str) -> int:
    if not value.isdigit():
        raise GremiumError("{key} needs a whole number, for example {key}=3.", key=key)
    return int(value)


def edit_rhythm(base: Rhythm, args: list[str], lang: str) -> Rhythm:
    """Apply ``key=value`` words to a rhythm; unknown keys and bad values are refused."""
    values = {f: getattr(base, f) for f in base.__dataclass_fields__}
    for word in args:
        key, sep, value = word.partition("=")
        field = KEYS.get(key.casefold())
        if not sep or field is None:
            raise GremiumError(
                "I do not know “{word}”. Write key=value with these keys: meetings, "
                "weekdays, time, duration, place, lead (weeks), open (days), dates, "
                "review (yes/no or days).",
                word=word,
            )
        if field == "weekdays":
            values["weekdays"] = parse_weekdays(value, lang=lang)
        elif field == "window":
            window = parse_time_window(value)
            values["window_start"], values["window_end"] = window.start, window.end
        elif field == "location":
            values["location"] = value[:200] or None
        elif field == "lead_weeks":
            values["lead_days"] = _number(key, value) * 7
        elif field == "review":
            lowered = value.casefold()
            if lowered in YES or lowered in NO:
                values["review"] = lowered in YES
            else:
                values["review"], values["review_days"] = True, _number(key, value)
        else:
            values[field] = _number(key, value)
    rhythm = Rhythm(**values)
    rhythm.check()
    return rhythm


def describe(lang: Lang, rhythm: Rhythm) -> str:
    """A rhythm in one readable line."""
    days = ", ".join(short_weekday(d, lang.code) for d in rhythm.weekdays)
    text = (
        lang.ngettext("{n} meeting a year", "{n} meetings a year", rhythm.per_year)
        + f" · {days} {lang.clock(rhythm.window_start)}–{lang.clock(rhythm.window_end)}"
    )
    text += " · " + lang.ngettext("{n} min", "{n} min", rhythm.duration_minutes)
    if rhythm.location:
        text += " · 📍 " + escape(rhythm.location)
    sentences = [
        lang.ngettext(
            "The poll opens {n} week ahead.",
            "The poll opens {n} weeks ahead.",
            rhythm.lead_days // 7,
        ),
        lang.ngettext(
            "It stays open for {n} day.", "It stays open for {n} days.", rhythm.poll_days
        ),
        lang.ngettext("It offers {n} date.", "It offers {n} dates.", rhythm.candidates),
    ]
    if rhythm.review:
        sentences.append(
            lang.ngettext(
                "Coordinators review it {n} day before.",
                "Coordinators review it {n} days before.",
                rhythm.review_days,
            )
        )
    return text + "\n" + " ".join(sentences)


async def status(session: AsyncSession, bd: BotData, lang: Lang, group: Group) -> str:
    """The group's rhythm and its next step."""
    assert group.id is not None
    head = f"<b>{escape(group.name)}</b> ({escape(group.slug)})"
    row = await repo.get_rhythm(session, group_id=group.id)
    if row is None or not row.enabled:
        return (
            head
            + "\n"
            + lang._(
                "No rhythm set. For example: /schedule {slug} meetings=3 weekdays={days} "
                "time=16:00-19:00",
                slug=group.slug,
                days=f"{short_weekday(1, lang.code)},{short_weekday(3, lang.code)}",
            )
        )
    tz = group_zone(group, bd.timezone)
    lines = [head, describe(lang, rhythm_of(row))]
    poll = await repo.active_poll(session, group_id=group.id)
    steps = await tasks.open_for(
        session, kinds=(TaskKind.CADENCE_REVIEW, TaskKind.CADENCE_OPEN), ref_id=group.id
    )
    if poll is not None and poll.status == PollStatus.OPEN and poll.deadline is not None:
        lines.append(
            "➡️ " + lang._("A poll is open until {when}.", when=lang.when(poll.deadline, tz))
        )
    elif poll is not None:
        lines.append("➡️ " + lang._("The next poll is being prepared."))
    for step in steps:
        day = lang.day(step.due_at.astimezone(tz).date())
        if step.kind == TaskKind.CADENCE_REVIEW:
            lines.append("➡️ " + lang._("Review of the next poll on {day}.", day=day))
        else:
            lines.append("➡️ " + lang._("Next poll opens on {day}.", day=day))
    return "\n".join(lines)


async def schedule_command(update: Update, context: Context) -> None:
    """Show the rhythm of one's groups, or change one: /schedule <group> key=value ..."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    args = split_args(message.text or "")
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        if not args:
            groups = await managed_groups(session, actor)
            if not groups:
                raise GremiumError("Only coordinators and organisers can start date polls.")
            blocks = [await status(session, bd, actor.lang, g) for g in groups]
            header = actor.lang._("<b>Meeting rhythm</b>")
        else:
            group = await resolve_group(session, args[0])
            await require_group_manager(session, actor, group)
            if len(args) > 1:  # with only the group named, show its rhythm and change nothing
                await change(session, bd, actor.lang, group, args[1:])
            blocks = [await status(session, bd, actor.lang, group)]
            header = (
                actor.lang._("Saved.") if len(args) > 1 else actor.lang._("<b>Meeting rhythm</b>")
            )
    await replies.reply_lines(message, header, ["", *"\n\n".join(blocks).split("\n")])


async def change(
    session: AsyncSession, bd: BotData, lang: Lang, group: Group, args: list[str]
) -> None:
    """Apply the edits, check that the dates can fit, store, and plan again."""
    assert group.id is not None
    row = await repo.get_rhythm(session, group_id=group.id)
    if args and args[0].casefold() in NO:
        if row is not None:
            row.enabled = False
            session.add(row)
            await plan_group(session, bd, group)
        return
    base = rhythm_of(row) if row is not None else Rhythm()
    words = [a for a in args if a.casefold() not in YES]
    rhythm = edit_rhythm(base, words, lang.code)
    if row is None:
        row = new_rhythm_row(group.id)
    store_rhythm(row, rhythm)
    row.enabled = True
    session.add(row)
    await session.flush()
    cycle = await current_cycle(session, bd, group, row)
    # Refuse a rhythm whose next cycle cannot offer the dates asked for, saying what would fit.
    await candidates_for(session, bd, group, rhythm, cycle, fallback=False)
    await plan_group(session, bd, group)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("schedule", schedule_command, filters=private))
