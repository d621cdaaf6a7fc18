"""Callback data: a tiny typed codec with short prefixes, parsed in one place.

Every payload fits Telegram's 64 bytes and stays valid across restarts because it carries only
database ids and slugs. Anyone can forge callback data, so handlers re-check who presses.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.i18n import SUPPORTED_LANGUAGES
from domain.slugs import is_slug
from handlers.callback_data import (
    ActionDone,
    ActionOwner,
    AgendaItemAction,
    AgendaItemStep,
    AgendaManage,
    AgendaStep,
    AnnounceAction,
    AnnounceStep,
    AnnounceTarget,
    ArchiveGroup,
    Attend,
    AttendanceList,
    Callback,
    CheckInHere,
    ChooseLanguage,
    ChooseOption,
    ConfirmForget,
    Consent,
    CorrectCheckIn,
    Dismiss,
    MeetingManage,
    MeetingStep,
    PollDraftAction,
    PollManage,
    PollManageStep,
    PollStep,
    PollTarget,
    RecordAction,
    RecordStep,
    RemoveOption,
    ToggleMembership,
    VoteAction,
)

_ANSWERS = {"y": "yes", "m": "maybe", "n": "no"}
_ANSWER_CODES = {v: k for k, v in _ANSWERS.items()}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PREFIX_CONSENT = "c"
PREFIX_TOGGLE = "t"  # join
PREFIX_LEAVE = "tl"
PREFIX_ARCHIVE = "ar"
PREFIX_DISMISS = "x"
PREFIX_ANNOUNCE_TARGET = "ag"
PREFIX_ANNOUNCE = "an"
PREFIX_POLL_TARGET = "pg"
PREFIX_POLL_DRAFT = "pd"
PREFIX_VOTE = "pv"
PREFIX_POLL_MANAGE = "pm"
PREFIX_REMOVE_OPTION = "pr"
PREFIX_CHOOSE = "pw"
PREFIX_ATTEND = "ma"
PREFIX_MEETING = "mm"
PREFIX_HERE = "mh"
PREFIX_ATTENDANCE = "ml"
PREFIX_CORRECT = "mc"
PREFIX_AGENDA = "gm"
PREFIX_AGENDA_ITEM = "gi"
PREFIX_RECORD = "rc"
PREFIX_OWNER = "ro"
PREFIX_DONE = "rd"
PREFIX_LANGUAGE = "lg"
PREFIX_FORGET = "fg"


_MeetingCallback = (
    Attend
    | MeetingManage
    | CheckInHere
    | AttendanceList
    | CorrectCheckIn
    | AgendaManage
    | AgendaItemAction
    | RecordAction
    | ActionOwner
    | ActionDone
)


def encode(data: Callback) -> str:
    """The callback_data string for a button."""
    match data:
        case Consent(slug=slug, language=language):
            return f"{PREFIX_CONSENT}:{slug or ''}" + (f":{language}" if language else "")
        case ChooseLanguage(code=code):
            return f"{PREFIX_LANGUAGE}:{code}"
        case ConfirmForget(member_id=mid, created=created):
            return f"{PREFIX_FORGET}:{mid}:{created}"
        case ToggleMembership(group_id=gid, join=join):
            return f"{PREFIX_TOGGLE}:{gid}" if join else f"{PREFIX_LEAVE}:{gid}"
        case ArchiveGroup(group_id=gid):
            return f"{PREFIX_ARCHIVE}:{gid}"
        case Dismiss():
            return PREFIX_DISMISS
        case AnnounceTarget(group_id=gid):
            return f"{PREFIX_ANNOUNCE_TARGET}:{gid}"
        case AnnounceAction(step=step, announcement_id=aid):
            return f"{PREFIX_ANNOUNCE}:{step.value}:{aid}"
        case PollTarget(group_id=gid):
            return f"{PREFIX_POLL_TARGET}:{gid}"
        case PollDraftAction(step=step, poll_id=pid):
            return f"{PREFIX_POLL_DRAFT}:{step.value}:{pid}"
        case VoteAction(option_id=oid, answer=answer):
            return f"{PREFIX_VOTE}:{_ANSWER_CODES[answer]}:{oid}"
        case PollManage(step=step, poll_id=pid):
            return f"{PREFIX_POLL_MANAGE}:{step.value}:{pid}"
        case RemoveOption(option_id=oid):
            return f"{PREFIX_REMOVE_OPTION}:{oid}"
        case ChooseOption(option_id=oid):
            return f"{PREFIX_CHOOSE}:{oid}"
        case _:
            return _encode_meeting(data)


def _encode_meeting(data: _MeetingCallback) -> str:
    """The callback_data string for a meeting, agenda or record button."""
    match data:
        case Attend(meeting_id=mid, coming=coming):
            return f"{PREFIX_ATTEND}:{'y' if coming else 'n'}:{mid}"
        case MeetingManage(step=step, meeting_id=mid):
            return f"{PREFIX_MEETING}:{step.value}:{mid}"
        case CheckInHere(meeting_id=mid):
            return f"{PREFIX_HERE}:{mid}"
        case AttendanceList(meeting_id=mid):
            return f"{PREFIX_ATTENDANCE}:{mid}"
        case CorrectCheckIn(meeting_id=mid, member_id=member):
            return f"{PREFIX_CORRECT}:{mid}:{member}"
        case AgendaManage(step=step, meeting_id=mid):
            return f"{PREFIX_AGENDA}:{step.value}:{mid}"
        case AgendaItemAction(step=step, item_id=iid):
            return f"{PREFIX_AGENDA_ITEM}:{step.value}:{iid}"
        case RecordAction(step=step, meeting_id=mid):
            return f"{PREFIX_RECORD}:{step.value}:{mid}"
        case ActionOwner(meeting_id=mid, member_id=member):
            return f"{PREFIX_OWNER}:{mid}:{member}"
        case ActionDone(action_id=aid):
            return f"{PREFIX_DONE}:{aid}"


def decode(raw: object) -> Callback | None:
    """Parse callback_data; None for anything malformed or unknown (e.g. forged)."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    return _decode(raw)


@functools.lru_cache(maxsize=4096)
def _decode(raw: str) -> Callback | None:
    """:func:`decode` of a string; the same buttons are pressed again and again (a vote
    storm), and the values are frozen, so the parsed ones are kept."""
    if len(raw.encode()) > 64:
        return None
    prefix, _, rest = raw.partition(":")
    if prefix == PREFIX_CONSENT:
        return _consent(rest)
    if prefix == PREFIX_LANGUAGE:
        return ChooseLanguage(rest) if rest in SUPPORTED_LANGUAGES else None
    if prefix == PREFIX_FORGET:
        mid, _, created = rest.partition(":")
        if not _is_id(mid) or not (created.isascii() and created.isdigit() and len(created) <= 20):
            return None
        return ConfirmForget(int(mid), int(created))
    if prefix == PREFIX_DISMISS and not rest:
        return Dismiss()
    if prefix in _ID_PAIR:
        first, _, second = rest.partition(":")
        if not (_is_id(first) and _is_id(second)):
            return None
        return _ID_PAIR[prefix](int(first), int(second))
    if prefix in _TWO_PART:
        code, _, rest = rest.partition(":")
        if not _is_id(rest):
            return None
        return _TWO_PART[prefix](code, int(rest))
    if not _is_id(rest):
        return None
    if prefix == PREFIX_TOGGLE:
        return ToggleMembership(int(rest))
    if prefix == PREFIX_LEAVE:
        return ToggleMembership(int(rest), join=False)
    if prefix == PREFIX_ARCHIVE:
        return ArchiveGroup(int(rest))
    if prefix in _ONE_PART:
        return _ONE_PART[prefix](int(rest))
    return None


def microseconds(moment: datetime) -> int:
    """An aware moment as whole microseconds since 1970: exact, for callback data."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def _consent(rest: str) -> Consent | None:
    slug, _, language = rest.partition(":")
    if (slug and not is_slug(slug)) or (language and language not in SUPPORTED_LANGUAGES):
        return None
    if not language and rest.endswith(":"):
        return None
    return Consent(slug or None, language or None)


#: Ids are INTEGER columns; a forged larger number would make PostgreSQL refuse the query.
MAX_ID = 2**31 - 1


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID


def matches(kind: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: data that decodes to ``kind`` (the rest falls through)."""

    def pattern(raw: object) -> bool:
        return isinstance(decode(raw), kind)

    return pattern


def _step(
    kind: type[enum.StrEnum], make: Callable[[Any, int], Callback]
) -> Callable[[str, int], Callback | None]:
    def build(code: str, number: int) -> Callback | None:
        values = {member.value: member for member in kind}
        return make(values[code], number) if code in values else None

    return build


def _vote(code: str, number: int) -> Callback | None:
    return VoteAction(number, _ANSWERS[code]) if code in _ANSWERS else None


def _attend(code: str, number: int) -> Callback | None:
    return Attend(number, code == "y") if code in ("y", "n") else None


_TWO_PART: dict[str, Callable[[str, int], Callback | None]] = {
    PREFIX_ANNOUNCE: _step(AnnounceStep, AnnounceAction),
    PREFIX_POLL_DRAFT: _step(PollStep, PollDraftAction),
    PREFIX_POLL_MANAGE: _step(PollManageStep, PollManage),
    PREFIX_MEETING: _step(MeetingStep, MeetingManage),
    PREFIX_VOTE: _vote,
    PREFIX_ATTEND: _attend,
    PREFIX_AGENDA: _step(AgendaStep, AgendaManage),
    PREFIX_AGENDA_ITEM: _step(AgendaItemStep, AgendaItemAction),
    PREFIX_RECORD: _step(RecordStep, RecordAction),
}
#: Buttons that carry two ids ("mc:<meeting>:<member>").
_ID_PAIR: dict[str, Callable[[int, int], Callback]] = {
    PREFIX_CORRECT: CorrectCheckIn,
    PREFIX_OWNER: ActionOwner,
}
_ONE_PART: dict[str, Callable[[int], Callback]] = {
    PREFIX_ANNOUNCE_TARGET: AnnounceTarget,
    PREFIX_POLL_TARGET: PollTarget,
    PREFIX_REMOVE_OPTION: RemoveOption,
    PREFIX_CHOOSE: ChooseOption,
    PREFIX_HERE: CheckInHere,
    PREFIX_ATTENDANCE: AttendanceList,
    PREFIX_DONE: ActionDone,
}
