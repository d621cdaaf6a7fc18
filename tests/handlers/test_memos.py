"""What is kept once computed (button dates, keyboards, parsed callback data) must give the
same result as computing it anew, for every input that differs."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.i18n import Translator
from handlers.callback_data import VoteAction
from handlers.callbacks import decode, encode
from handlers.polls.texts import ANSWER_MARK, poll_keyboard
from storage.models import PollOption

BERLIN = ZoneInfo("Europe/Berlin")
ISTANBUL = ZoneInfo("Europe/Istanbul")
MOMENT = datetime(2027, 3, 12, 16, 0, tzinfo=UTC)


def _options() -> list[PollOption]:
    return [
        PollOption(id=10 + i, poll_id=1, starts_at=MOMENT.replace(day=12 + i)) for i in range(3)
    ]


def test_button_dates_differ_by_zone_and_language() -> None:
    translator = Translator()
    de, en = translator.get("de"), translator.get("en")
    assert de.short_when(MOMENT, BERLIN) == "Fr., 12. März, 17:00"
    assert de.short_when(MOMENT, ISTANBUL) == "Fr., 12. März, 19:00"  # kept per zone
    assert de.short_when(MOMENT, BERLIN) == "Fr., 12. März, 17:00"
    assert en.short_when(MOMENT, BERLIN) == "Fri, Mar 12, 5:00\u202fPM"


def test_button_dates_stay_right_after_many_dates() -> None:
    de = Translator().get("de")
    for hour in range(0, 24):
        for day in range(1, 29):
            de.short_when(datetime(2027, 2, day, hour, tzinfo=UTC), BERLIN)
    assert de.short_when(MOMENT, BERLIN) == "Fr., 12. März, 17:00"


def _marked(markup: object) -> list[list[str]]:
    return [[button.text for button in row] for row in markup.inline_keyboard]  # type: ignore[attr-defined]


def test_keyboards_mark_each_members_own_answers() -> None:
    de = Translator().get("de")
    options = _options()
    plain = poll_keyboard(de, options, {}, BERLIN)
    mine = poll_keyboard(de, options, {10: "yes", 12: "no"}, BERLIN)
    again = poll_keyboard(de, options, {12: "no", 10: "yes"}, BERLIN)
    yes, maybe, no = ANSWER_MARK["yes"], ANSWER_MARK["maybe"], ANSWER_MARK["no"]
    assert [row[1:] for row in _marked(plain)] == [[yes, maybe, no]] * 3
    assert [row[1:] for row in _marked(mine)] == [
        [f"[{yes}]", maybe, no],
        [yes, maybe, no],
        [yes, maybe, f"[{no}]"],
    ]
    assert again == mine
    assert _marked(plain)[0][0] == "1. Fr 12.3."  # short, never cut: the time only if needed
    english = poll_keyboard(Translator().get("en"), options, {}, BERLIN)
    assert _marked(english)[0][0] == "1. Fri 12 Mar"
    assert decode(mine.inline_keyboard[2][3].callback_data) == VoteAction(12, "no")


def test_parsed_callback_data_is_the_same_when_pressed_again() -> None:
    data = encode(VoteAction(7, "maybe"))
    assert decode(data) == decode(data) == VoteAction(7, "maybe")
    assert decode(data + "x") is None
    assert decode("ä" * 40) is None  # over 64 bytes, though under 64 characters
    assert decode(None) is None
