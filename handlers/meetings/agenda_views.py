"""The agenda as a member and as a coordinator sees it, with their buttons."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.i18n import Lang
from domain.record import LETTERS, button_rows, proposals_close_at, proposals_open
from domain.splitting import fit_one_message, shorten
from handlers.callback_data import AgendaItemAction, AgendaItemStep, AgendaManage, AgendaStep
from handlers.callbacks import encode
from handlers.common import group_zone
from handlers.context import BotData
from handlers.meetings.record_texts import agenda_message
from storage import record as repo
from storage.models import Group, Meeting, Member
from storage.record_models import AgendaItem


async def member_view(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The agenda as a member sees it, with the proposal button while proposals are open."""
    assert meeting.id is not None
    data = await repo.load_agenda(session, meeting=meeting)
    tz = group_zone(group, bd.timezone)
    text = agenda_message(lang, group, meeting, tz, data.items, data.actions, data.owners)
    now = bd.clock.now()
    if not proposals_open(meeting.starts_at, group.agenda_close_days, now=now):
        return text + "\n\n" + lang._("Proposals for this meeting are closed."), None
    closes = proposals_close_at(meeting.starts_at, group.agenda_close_days)
    text += "\n\n" + lang._("You can propose items until {when}.", when=lang.when(closes, tz))
    button = InlineKeyboardButton(
        "📝 " + lang._("Propose an agenda item"),
        callback_data=encode(AgendaManage(AgendaStep.PROPOSE, meeting.id)),
    )
    return text, InlineKeyboardMarkup([[button]])


async def manage_view(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup]:
    """The agenda with the proposals and a coordinator's buttons: one message, as it is edited
    in place (long texts shortened to fit; members get them whole)."""
    assert meeting.id is not None
    data = await repo.load_agenda(session, meeting=meeting)
    waiting = await repo.proposals(session, meeting_id=meeting.id)
    authors = await repo.members_by_id(
        session, ids={p.author_id for p in waiting if p.author_id is not None}
    )
    tz = group_zone(group, bd.timezone)
    closes = proposals_close_at(meeting.starts_at, group.agenda_close_days)
    footer = ["", lang._("Proposals close on {when}.", when=lang.when(closes, tz))]

    def render(width: int | None) -> str:
        """The view with every member's text shortened to ``width`` (None: whole)."""
        head = agenda_message(
            lang, group, meeting, tz, data.items, data.actions, data.owners, width
        )
        return "\n".join(
            [head, *_proposal_lines(lang, waiting, lettered, authors, width), *footer]
        )

    items, lettered = button_rows(len(data.items), len(waiting))
    keyboard = _manage_keyboard(lang, meeting, data.items[:items], waiting[:lettered])
    return fit_one_message(render), keyboard


def _proposal_lines(
    lang: Lang,
    waiting: list[AgendaItem],
    lettered: int,
    authors: Mapping[int, Member],
    width: int | None,
) -> list[str]:
    """The first ``lettered`` waiting proposals (those with buttons) with their authors, and
    how many more wait."""
    if not waiting:
        return []
    lines = ["", "<b>" + lang._("Proposals:") + "</b>"]
    for letter, item in zip(LETTERS, waiting[:lettered], strict=False):
        author = authors.get(item.author_id or 0)
        by = f" ({escape(author.display_name)})" if author else ""
        lines.append(f"{letter}. {escape(shorten(item.text, width))}{by}")
    if (more := len(waiting) - lettered) > 0:
        lines.append(
            lang.ngettext(
                "… and {n} more proposal, shown once these are decided.",
                "… and {n} more proposals, shown once these are decided.",
                more,
            )
        )
    return lines


def _manage_keyboard(
    lang: Lang, meeting: Meeting, accepted: list[AgendaItem], waiting: list[AgendaItem]
) -> InlineKeyboardMarkup:
    """A row of buttons per item and proposal, then "add item" and "closing time"."""
    assert meeting.id is not None
    rows = [_item_row(str(n), item, accepted=True) for n, item in enumerate(accepted, 1)]
    rows += [
        _item_row(letter, item, accepted=False)
        for letter, item in zip(LETTERS, waiting, strict=False)
    ]
    rows.append(
        [
            InlineKeyboardButton(
                "➕ " + lang._("Add item"),
                callback_data=encode(AgendaManage(AgendaStep.ADD, meeting.id)),
            ),
            InlineKeyboardButton(
                "⏳ " + lang._("Closing time"),
                callback_data=encode(AgendaManage(AgendaStep.CLOSE_DAYS, meeting.id)),
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)


def _item_row(label: str, item: AgendaItem, *, accepted: bool) -> list[InlineKeyboardButton]:
    """An item's buttons: move up and down (accepted) or accept (proposed), edit, drop."""
    assert item.id is not None
    steps: list[tuple[str, AgendaItemStep]] = (
        [("⬆️", AgendaItemStep.UP), ("⬇️", AgendaItemStep.DOWN)]
        if accepted
        else [("✅", AgendaItemStep.ACCEPT)]
    )
    steps += [("✏️", AgendaItemStep.EDIT), ("✖️", AgendaItemStep.DROP)]
    return [
        InlineKeyboardButton(
            f"{label} {mark}", callback_data=encode(AgendaItemAction(step, item.id))
        )
        for mark, step in steps
    ]
