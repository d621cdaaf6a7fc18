"""Right-to-left in the translation layer: values isolated, /commands and key=value examples
kept in typing order, every line aligned right; short button dates in every language; German's
catalogue chosen by the configured address."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.support import NullTranslations

from domain.direction import FSI, LRI, PDI, RLI, RLM, isolate_typed, strip_bidi
from domain.i18n import SUPPORTED_LANGUAGES, Lang, Translator

BERLIN = ZoneInfo("Europe/Berlin")
ARABIC = Lang("ar", NullTranslations())  # the English text, rendered as for an Arabic reader


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Use /help.", f"Use {LRI}/help{PDI}."),
        ("و/help", f"و{LRI}/help{PDI}"),  # glued to an Arabic letter: still a command
        ("/renamegroup bildung الاسم", f"{LRI}/renamegroup bildung{PDI} الاسم"),
        ("/settings {slug} quorum=3", f"{LRI}/settings {{slug}} quorum=3{PDI}"),
        ("Write weekdays=Tue,Thu time=18:00.", f"Write {LRI}weekdays=Tue,Thu time=18:00{PDI}."),
        ("for example {key}=3.", f"for example {LRI}{{key}}=3{PDI}."),
        ("<b>Groups</b>", "<b>Groups</b>"),  # a closing tag is no command
        ('<a href="https://t.me/x?a=b">t.me/gremium_bot</a>', '<a href="https://t.me/x?a=b">t.me/gremium_bot</a>'),
        ("yes/no", "yes/no"),
    ],
)  # fmt: skip
def test_typed_runs_are_isolated_left_to_right(template: str, expected: str) -> None:
    """Commands with their Latin arguments and key=value runs, outside tags and links."""
    assert isolate_typed(template) == expected


def test_arabic_values_and_lines() -> None:
    """Each single-line value is isolated, an attribute's value is not, every line starts with
    a right-to-left mark; the number keeps its own isolate."""
    text = ARABIC._("<b>{group}</b>: {n}\n<a href=\"{url}\">/join {slug}</a>", group="Bildung",
                    n=3, url="https://x", slug="bildung")  # fmt: skip
    assert text == (
        f"{RLM}<b>{FSI}Bildung{PDI}</b>: {FSI}3{PDI}\n"
        f'{RLM}<a href="https://x">{LRI}/join {FSI}bildung{PDI}{PDI}</a>'
    )
    assert strip_bidi(text) == '<b>Bildung</b>: 3\n<a href="https://x">/join bildung</a>'


def test_a_multi_line_value_is_not_wrapped() -> None:
    """A block of lines (already rendered) goes in as it is: an isolate ends at a line's end."""
    assert ARABIC._("{body}", body="a\nb") == f"{RLM}a\n{RLM}b"


def test_left_to_right_languages_are_untouched() -> None:
    """German, English, Turkish, Ukrainian and Russian get no direction marks at all."""
    for code in SUPPORTED_LANGUAGES:
        if code == "ar":
            continue
        lang = Lang(code, NullTranslations())
        text = lang._("<b>{group}</b>: /help weekdays=Tue", group="Bildung")
        assert text == "<b>Bildung</b>: /help weekdays=Tue"
        assert lang.tally([("✅", 2), ("❌", 0)]) == "✅ 2 · ❌ 0"


def test_tally_keeps_each_mark_beside_its_count() -> None:
    """Planted: a tally without isolates ("✅ 2 · 🤔 0") fails; each pair is one RLI run."""
    assert ARABIC.tally([("✅", 2), ("🤔", 0), ("❌", 1)]) == (
        f"{RLI}✅ 2{PDI} · {RLI}🤔 0{PDI} · {RLI}❌ 1{PDI}"
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de", "Di 8.12."),
        ("en", "Tue 8 Dec"),
        ("tr", "8 Ara Sal"),
        ("ar", "الثلاثاء 8/12"),
        ("uk", "вт 8.12"),
        ("ru", "вт 8.12"),
    ],
)
def test_button_days_are_short_and_whole(code: str, expected: str) -> None:
    """A button's date is a short weekday with day and month, at most 14 characters."""
    label = Translator().get(code).button_day(date(2026, 12, 8))
    assert label == expected
    assert len(label) <= 14


def test_button_time_only_when_asked() -> None:
    """The time joins the day when two options share it."""
    de = Translator().get("de")
    moment = datetime(2026, 12, 8, 16, 0, tzinfo=UTC)
    assert de.button_when(moment, BERLIN) == "Di 8.12. 17:00"
    assert de.button_when(moment, BERLIN, with_time=False) == "Di 8.12."


@pytest.mark.parametrize(("address", "variant"), [("sie", ""), ("du", "informal")])
def test_german_address_chooses_the_catalogue(address: str, variant: str) -> None:
    """ "sie" loads locales/de, "du" locales/de@informal; other languages are not affected."""
    translator = Translator(german_address=address)
    german = translator.get("de")
    assert german.code == "de" and german.variant == variant
    msgid = (
        "The poll must close before the target period begins: open it at least {n} day ahead, "
        "or let it run for fewer days."
    )
    text = german.ngettext(msgid, msgid.replace("day ahead", "days ahead"), 3)
    assert ("Öffnen Sie sie" in text) == (address == "sie")
    assert ("Öffne sie" in text) == (address == "du")
    assert translator.get("en").variant == ""


def test_an_unknown_address_is_refused() -> None:
    """Only "sie" and "du" exist."""
    with pytest.raises(ValueError, match="german_address"):
        Translator(german_address="ihr")
