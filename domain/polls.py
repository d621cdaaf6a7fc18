"""Date polls: counting answers and choosing the winning date.

The rule: the option with the most Yes wins; among equals, the most Yes+Maybe. If the top two
are still equal on both counts the coordinator chooses (``ranking[0]``, the earliest of them, is
offered as the suggestion), and so does a winner with fewer Yes than the quorum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Answer(StrEnum):
    """What a member says about one option."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


@dataclass(frozen=True)
class PollOption:
    """An option as the rules see it: its id and when it begins (for the earliest-first rule)."""

    id: int
    begins: datetime


@dataclass(frozen=True)
class Vote:
    """One member's answer to one option."""

    member_id: int
    option_id: int
    answer: Answer


@dataclass(frozen=True)
class OptionTally:
    """How many said Yes, Maybe and No to one option."""

    option_id: int
    begins: datetime
    yes: int = 0
    maybe: int = 0
    no: int = 0

    @property
    def yes_or_maybe(self) -> int:
        """Yes and Maybe together: who could come."""
        return self.yes + self.maybe


class Outcome(StrEnum):
    """Why a decision came out as it did."""

    CLEAR = "clear"  #: one option leads
    TIE = "tie"  #: several options share the lead on Yes and on Yes+Maybe
    BELOW_QUORUM = "below_quorum"  #: the leader has fewer Yes than the quorum


@dataclass(frozen=True)
class WinnerDecision:
    """The result of a poll: a winner, or the options the coordinator must choose from."""

    outcome: Outcome
    winner_id: int | None
    #: Options the coordinator chooses from (the tied leaders, earliest first); empty if clear.
    tied_ids: tuple[int, ...]
    #: Every option, best first by Yes, Yes+Maybe, then earliest; ``ranking[0]`` is the suggestion.
    ranking: tuple[int, ...]

    @property
    def coordinator_must_choose(self) -> bool:
        """Whether a person has to pick the date."""
        return self.winner_id is None

    @property
    def suggested_id(self) -> int:
        """The option the rules would pick: the winner, or the earliest of the leaders."""
        return self.ranking[0]


def tally(options: Sequence[PollOption], votes: Iterable[Vote]) -> list[OptionTally]:
    """Count the answers per option, in the order of ``options``.

    A member's later vote on the same option replaces the earlier one; votes for options not in
    ``options`` (removed since) are ignored.
    """
    latest: dict[tuple[int, int], Answer] = {}
    known = {option.id for option in options}
    for vote in votes:
        if vote.option_id in known:
            latest[(vote.member_id, vote.option_id)] = vote.answer
    counts = {option.id: dict.fromkeys(Answer, 0) for option in options}
    for (_, option_id), answer in latest.items():
        counts[option_id][answer] += 1
    return [
        OptionTally(
            option.id,
            option.begins,
            yes=counts[option.id][Answer.YES],
            maybe=counts[option.id][Answer.MAYBE],
            no=counts[option.id][Answer.NO],
        )
        for option in options
    ]


def answered_count(votes: Iterable[Vote]) -> int:
    """How many different members answered at least one option."""
    return len({vote.member_id for vote in votes})


def _rank_key(t: OptionTally) -> tuple[int, int, datetime, int]:
    return (-t.yes, -t.yes_or_maybe, t.begins, t.option_id)


def choose_winner(tallies: Sequence[OptionTally], *, quorum: int = 0) -> WinnerDecision:
    """Decide the poll: most Yes, then most Yes+Maybe; a real tie or a thin lead goes to people.

    ``quorum`` is the least number of Yes the winner needs (0: no minimum). Deterministic: the
    result depends only on the counts, the options' start times and ids.
    """
    if not tallies:
        raise ValueError("a poll without options has no winner")
    ranked = sorted(tallies, key=_rank_key)
    best = ranked[0]
    leaders = tuple(
        t.option_id for t in ranked if (t.yes, t.yes_or_maybe) == (best.yes, best.yes_or_maybe)
    )
    ranking = tuple(t.option_id for t in ranked)
    if len(leaders) > 1:
        return WinnerDecision(Outcome.TIE, None, leaders, ranking)
    if best.yes < quorum:
        return WinnerDecision(Outcome.BELOW_QUORUM, None, leaders, ranking)
    return WinnerDecision(Outcome.CLEAR, best.option_id, (), ranking)
