"""Messages of the meeting cadence: the review request and the alerts to organisers."""

from __future__ import annotations

from html import escape

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers import texts


def review_intro(lang: Lang, group_name: str) -> str:
    """The coordinators' request to look at the planned poll before it opens."""
    return lang._(
        "It is time to plan the next meeting of <b>{group}</b>. I suggest these dates; "
        "the poll goes out by itself in a few days if you do nothing. You can send it now, "
        "change the dates, the deadline, the place or the note.",
        group=escape(group_name),
    )


def alert(lang: Lang, group_name: str, error: GremiumError | None) -> str:
    """The organisers' alert: no coordinator reviewed the poll, or it could not be prepared."""
    if error is None:
        return lang._(
            "<b>{group}</b> has no coordinator, so nobody reviewed its next date poll. It "
            "goes out as planned. Please appoint a coordinator with /addcoordinator.",
            group=escape(group_name),
        )
    return lang._(
        "The planned date poll of <b>{group}</b> could not be prepared: {problem} "
        "Please adjust the rhythm with /schedule or start a poll with /poll.",
        group=escape(group_name),
        problem=texts.error(lang, error),
    )
