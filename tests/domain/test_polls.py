"""Counting poll answers and choosing the winning date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.polls import (
    Answer,
    OptionTally,
    Outcome,
    PollOption,
    Vote,
    answered_count,
    choose_winner,
    tally,
)

Y, M, N = Answer.YES, Answer.MAYBE, Answer.NO
DAY = datetime(2027, 3, 1, 16, tzinfo=UTC)


def option(option_id: int, day: int) -> PollOption:
    return PollOption(option_id, DAY + timedelta(days=day))


def counts(option_id: int, day: int, yes: int, maybe: int = 0, no: int = 0) -> OptionTally:
    return OptionTally(option_id, DAY + timedelta(days=day), yes, maybe, no)


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        pytest.param([], [(0, 0, 0), (0, 0, 0)], id="no votes"),
        pytest.param(
            [Vote(1, 10, Y), Vote(2, 10, M), Vote(3, 10, N), Vote(1, 20, N)],
            [(1, 1, 1), (0, 0, 1)],
            id="one of each",
        ),
        pytest.param(
            [Vote(1, 10, Y), Vote(1, 10, N), Vote(1, 10, M)],
            [(0, 1, 0), (0, 0, 0)],
            id="last wins",
        ),
        pytest.param(
            [Vote(1, 99, Y), Vote(2, 20, Y)], [(0, 0, 0), (1, 0, 0)], id="unknown option"
        ),
    ],
)
def test_tally(votes: list[Vote], expected: list[tuple[int, int, int]]) -> None:
    """Each member's latest answer per option is counted once, in the options' order."""
    result = tally([option(10, 0), option(20, 1)], votes)
    assert [t.option_id for t in result] == [10, 20]
    assert [(t.yes, t.maybe, t.no) for t in result] == expected


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        pytest.param([], 0, id="nobody"),
        pytest.param([Vote(1, 10, Y), Vote(1, 20, N)], 1, id="one member, two options"),
        pytest.param([Vote(1, 10, N), Vote(2, 10, M), Vote(3, 20, Y)], 3, id="three members"),
    ],
)
def test_answered_count(votes: list[Vote], expected: int) -> None:
    """Members are counted once however many options they answered."""
    assert answered_count(votes) == expected


@pytest.mark.parametrize(
    ("tallies", "quorum", "outcome", "winner", "tied", "ranking"),
    [
        pytest.param(
            [counts(1, 0, 2), counts(2, 1, 3)], 0, Outcome.CLEAR, 2, (), (2, 1), id="most yes"
        ),
        pytest.param(
            [counts(1, 0, 3, 0), counts(2, 1, 3, 2)],
            0,
            Outcome.CLEAR,
            2,
            (),
            (2, 1),
            id="yes tie, yes+maybe decides",
        ),
        pytest.param(
            [counts(1, 0, 3, 5), counts(2, 1, 4, 0)],
            0,
            Outcome.CLEAR,
            2,
            (),
            (2, 1),
            id="yes beats maybe",
        ),
        pytest.param(
            [counts(2, 1, 3, 1), counts(1, 0, 3, 1), counts(3, 2, 1, 4)],
            0,
            Outcome.TIE,
            None,
            (1, 2),
            (1, 2, 3),
            id="real tie, earliest first",
        ),
        pytest.param(
            [counts(1, 2, 2, 2), counts(2, 1, 2, 2), counts(3, 0, 2, 2)],
            0,
            Outcome.TIE,
            None,
            (3, 2, 1),
            (3, 2, 1),
            id="three-way tie by time not id",
        ),
        pytest.param(
            [counts(1, 0, 0), counts(2, 1, 0)],
            0,
            Outcome.TIE,
            None,
            (1, 2),
            (1, 2),
            id="no votes at all",
        ),
        pytest.param(
            [counts(1, 0, 2, 4), counts(2, 1, 1)],
            3,
            Outcome.BELOW_QUORUM,
            None,
            (1,),
            (1, 2),
            id="below quorum",
        ),
        pytest.param(
            [counts(1, 0, 3), counts(2, 1, 1)], 3, Outcome.CLEAR, 1, (), (1, 2), id="quorum met"
        ),
        pytest.param(
            [counts(1, 0, 1), counts(2, 1, 1)],
            3,
            Outcome.TIE,
            None,
            (1, 2),
            (1, 2),
            id="tie below quorum is a tie",
        ),
        pytest.param([counts(7, 0, 0)], 0, Outcome.CLEAR, 7, (), (7,), id="single option"),
        pytest.param(
            [counts(7, 0, 0)], 1, Outcome.BELOW_QUORUM, None, (7,), (7,), id="single, no yes"
        ),
    ],
)
def test_choose_winner(
    tallies: list[OptionTally],
    quorum: int,
    outcome: Outcome,
    winner: int | None,
    tied: tuple[int, ...],
    ranking: tuple[int, ...],
) -> None:
    """Most Yes wins, then most Yes+Maybe; ties and thin leads go to the coordinator."""
    decision = choose_winner(tallies, quorum=quorum)
    assert (decision.outcome, decision.winner_id, decision.tied_ids) == (outcome, winner, tied)
    assert decision.ranking == ranking
    assert decision.coordinator_must_choose is (winner is None)
    assert decision.suggested_id == ranking[0]


@pytest.mark.parametrize(
    "tallies",
    [
        pytest.param([counts(1, 0, 3, 1), counts(2, 1, 3, 1), counts(3, 2, 2, 9)], id="tie"),
        pytest.param([counts(1, 0, 1), counts(2, 1, 4), counts(3, 2, 4, 1)], id="clear"),
    ],
)
def test_choose_winner_ignores_input_order(tallies: list[OptionTally]) -> None:
    """The decision depends on the counts and times only, not on the order given."""
    assert choose_winner(tallies) == choose_winner(list(reversed(tallies)))


def test_choose_winner_needs_options() -> None:
    """A poll without options is a programming error."""
    with pytest.raises(ValueError, match="without options"):
        choose_winner([])
