"""A poll as members see it: the view all copies share, each member's copy with their own
answers marked, and the compact tally for a group chat. Pure drawing: nothing is sent here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from domain.i18n import Lang
from handlers.common import group_zone
from handlers.notices import text_part
from handlers.polls import texts as ptexts
from handlers.services import Services
from storage import groups as group_repo
from storage import polls as repo
from storage.models import Group, Member, Poll, PollOption, PollStatus
from storage.summaries import Count


@dataclass(frozen=True)
class PollView:
    """What every member's copy of a poll shows alike (dates, tallies, how many answered):
    loaded once and drawn for many members, each with their own answers marked. The text and
    the dates' labels are the same for everyone with the same language, so they are
    formatted once per language."""

    poll: Poll
    group: Group
    options: list[PollOption]
    counts: dict[int, Count]
    answered: int
    total: int
    texts: dict[tuple[str, bool], str] = field(default_factory=dict, compare=False)
    labels: dict[str, list[str]] = field(default_factory=dict, compare=False)


async def load_view(session: AsyncSession, poll: Poll, group: Group) -> PollView:
    """The poll's shared view as the database holds it now."""
    assert poll.id is not None and group.id is not None
    return PollView(
        poll,
        group,
        await repo.list_options(session, poll_id=poll.id),
        await repo.counts(session, poll=poll),
        await repo.answered(session, poll=poll),
        await group_repo.count_members(session, group_id=group.id),
    )


def member_view(
    bd: Services, view: PollView, language: str | None, mine: dict[int, str], *, reminder: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The poll message in ``language`` with the answers ``mine`` marked: text and buttons
    (none once the poll is closed or cancelled)."""
    lang = bd.translator.get(language)
    tz = group_zone(view.group, bd.timezone)
    poll, options = view.poll, view.options
    text = view.texts.get((lang.code, reminder))
    if text is None:
        text = view.texts[(lang.code, reminder)] = ptexts.poll_message(
            lang,
            poll,
            view.group,
            options,
            view.counts,
            view.answered,
            view.total,
            tz,
            reminder=reminder,
        )
    if poll.status != PollStatus.OPEN:
        return text, None
    labels = view.labels.get(lang.code)
    if labels is None:
        labels = view.labels[lang.code] = ptexts.option_labels(lang, options, tz)
    return text, ptexts.poll_keyboard(lang, options, mine, tz, labels)


def member_payload(
    bd: Services, view: PollView, language: str | None, mine: dict[int, str], *, reminder: bool
) -> list[dict[str, Any]]:
    """:func:`member_view` as a message to queue."""
    return [text_part(*member_view(bd, view, language, mine, reminder=reminder))]


async def poll_payload(
    session: AsyncSession,
    bd: Services,
    poll: Poll,
    group: Group,
    member: Member,
    *,
    reminder: bool = False,
    view: PollView | None = None,
) -> list[dict[str, Any]]:
    """The poll message for one member, in their language, with their answers marked
    (``view``: the shared part, when drawing many members' copies at once)."""
    assert poll.id is not None and member.id is not None
    if view is None:
        view = await load_view(session, poll, group)
    mine = await repo.answers_of(session, poll_id=poll.id, member_id=member.id)
    return member_payload(bd, view, member.language, mine, reminder=reminder)


async def compact_tally_text(
    session: AsyncSession, bd: Services, poll: Poll, group: Group, lang: Lang
) -> str:
    """The compact tally as it stands now."""
    assert poll.id is not None and group.id is not None
    return compact_tally_of(bd, await load_view(session, poll, group), lang)


def compact_tally_of(bd: Services, view: PollView, lang: Lang) -> str:
    """The compact tally of a loaded view."""
    return ptexts.compact_tally(
        lang,
        view.group,
        view.options,
        view.counts,
        view.answered,
        view.total,
        group_zone(view.group, bd.timezone),
        closed=view.poll.status != PollStatus.OPEN,
    )
