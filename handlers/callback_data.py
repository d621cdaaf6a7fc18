"""What a button carries: one frozen value per kind of button (the codec in
:mod:`handlers.callbacks` turns them into callback data and back).

Only database ids, slugs and codes: every value stays valid across restarts, and anyone can
forge one, so handlers re-check who presses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class Consent:
    """Accept the privacy notice; then join ``slug`` if the member came by a deep link.
    ``language`` is the one chosen with /language before consenting, if any."""

    slug: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ToggleMembership:
    """Join (``join=True``) or leave a group from the /groups list."""

    group_id: int
    join: bool = True


@dataclass(frozen=True)
class ArchiveGroup:
    """Confirm archiving a group."""

    group_id: int


@dataclass(frozen=True)
class Dismiss:
    """Close a question without doing anything."""


class AnnounceStep(enum.StrEnum):
    """What a button on an announcement does."""

    SEND = "s"
    SCHEDULE = "t"
    CANCEL = "x"
    URGENT = "u"
    PIN = "p"
    UNSCHEDULE = "c"


@dataclass(frozen=True)
class AnnounceTarget:
    """/announce: the group chosen (0 = all groups, for organisers)."""

    group_id: int


@dataclass(frozen=True)
class AnnounceAction:
    """A button on an announcement preview or listing."""

    step: AnnounceStep
    announcement_id: int


@dataclass(frozen=True)
class PollTarget:
    """/poll: the group chosen."""

    group_id: int


class PollStep(enum.StrEnum):
    """Buttons while composing a poll."""

    SEND = "s"
    CANCEL = "x"
    SUGGEST = "g"
    DEADLINE = "d"
    LOCATION = "l"
    NOTE = "n"
    DATES = "t"  # replace the suggested dates of a planned poll


@dataclass(frozen=True)
class PollDraftAction:
    """A button on a poll being composed."""

    step: PollStep
    poll_id: int


@dataclass(frozen=True)
class VoteAction:
    """A member's Yes / Maybe / No on one option."""

    option_id: int
    answer: str  # "yes", "maybe" or "no"


class PollManageStep(enum.StrEnum):
    """What a coordinator does with an open poll."""

    CLOSE = "c"
    EXTEND = "e"
    ADD = "a"
    REMOVE = "r"
    CANCEL = "x"
    REMIND = "m"


@dataclass(frozen=True)
class PollManage:
    """A coordinator's button on an open poll."""

    step: PollManageStep
    poll_id: int


@dataclass(frozen=True)
class RemoveOption:
    """Remove this option from its open poll."""

    option_id: int


@dataclass(frozen=True)
class ChooseOption:
    """The coordinator fixes this option as the meeting date."""

    option_id: int


@dataclass(frozen=True)
class Attend:
    """A member says whether they come to a meeting."""

    meeting_id: int
    coming: bool


class MeetingStep(enum.StrEnum):
    """What a coordinator does with a meeting."""

    MOVE = "v"
    #: Asks first: "Cancel the meeting for everyone?"
    CANCEL = "x"
    CONFIRM_CANCEL = "c"
    KEEP = "k"


@dataclass(frozen=True)
class MeetingManage:
    """A coordinator's button on a meeting."""

    step: MeetingStep
    meeting_id: int


@dataclass(frozen=True)
class CheckInHere:
    """ "I'm here": the member checks in at a meeting (only while check-in is open)."""

    meeting_id: int


@dataclass(frozen=True)
class AttendanceList:
    """A coordinator opens who comes, who cannot, who has not answered and who was there."""

    meeting_id: int


@dataclass(frozen=True)
class CorrectCheckIn:
    """A coordinator adds a member to (or removes them from) a meeting's attendance list."""

    meeting_id: int
    member_id: int


class AgendaStep(enum.StrEnum):
    """What a button about a meeting's agenda does."""

    PROPOSE = "p"  # a member proposes an item
    VIEW = "v"  # a coordinator opens the agenda with the proposals
    ADD = "a"  # a coordinator adds an item of their own
    CLOSE_DAYS = "c"  # a coordinator sets when proposals close


@dataclass(frozen=True)
class AgendaManage:
    """A button about a meeting's agenda."""

    step: AgendaStep
    meeting_id: int


class AgendaItemStep(enum.StrEnum):
    """What a coordinator does with one agenda item."""

    ACCEPT = "a"
    UP = "u"
    DOWN = "d"
    EDIT = "e"
    DROP = "x"


@dataclass(frozen=True)
class AgendaItemAction:
    """A coordinator's button on one agenda item or proposal."""

    step: AgendaItemStep
    item_id: int


class RecordStep(enum.StrEnum):
    """What a coordinator records or exports for a meeting."""

    MINUTES = "m"
    DECISION = "d"
    ACTION = "a"
    LINK = "l"  # the online link
    PDF = "p"  # the attendance list ("Teilnehmerliste")
    CSV = "c"  # the group's attendance as CSV


@dataclass(frozen=True)
class RecordAction:
    """A coordinator's button in the meeting record."""

    step: RecordStep
    meeting_id: int


@dataclass(frozen=True)
class ActionOwner:
    """While recording an action item: this member of the group is responsible."""

    meeting_id: int
    member_id: int


@dataclass(frozen=True)
class ActionDone:
    """The person responsible marks an action item done."""

    action_id: int


@dataclass(frozen=True)
class ChooseLanguage:
    """/language: speak this language with me from now on."""

    code: str


@dataclass(frozen=True)
class ConfirmForget:
    """/forgetme confirmed. Names the member record (id and creation time in microseconds):
    someone who was forgotten and came back has a new record, which an old button cannot delete."""

    member_id: int
    created: int


Callback = (
    Consent
    | ToggleMembership
    | ArchiveGroup
    | Dismiss
    | AnnounceTarget
    | AnnounceAction
    | PollTarget
    | PollDraftAction
    | VoteAction
    | PollManage
    | RemoveOption
    | ChooseOption
    | Attend
    | MeetingManage
    | CheckInHere
    | AttendanceList
    | CorrectCheckIn
    | AgendaManage
    | AgendaItemAction
    | RecordAction
    | ActionOwner
    | ActionDone
    | ChooseLanguage
    | ConfirmForget
)
