"""Every message in every language, rendered with realistic and hostile values: valid Telegram
HTML, within Telegram's limits, user text shown as typed, no placeholder left unfilled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time
from html import escape
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from domain.errors import GremiumError
from domain.i18n import SUPPORTED_LANGUAGES, Lang, Translator
from domain.splitting import visible_length
from handlers import keyboards, menus, texts
from handlers.callback_data import ConfirmForget
from handlers.callbacks import decode, encode, microseconds
from handlers.commands import Level
from handlers.privacy import texts as ptexts
from sandbox.emulator.entities import ParseError
from sandbox.emulator.htmlparse import parse_html
from storage.models import Group, Member, Membership, Role
from storage.summaries import GroupSummary
from tests.locales.test_catalogues import LOCALES

BERLIN = ZoneInfo("Europe/Berlin")
MOMENT = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # Thursday 19 November 2026, 17:00 in Berlin
MESSAGE_LIMIT = 4096
ALERT_LIMIT = 200
#: Names as people type them: markup characters, right-to-left script, Cyrillic, Turkish.
NAME = "Ayşe <Öztürk> & Co"
RTL_NAME = "مريم الحسيني"
GROUP_NAME = "Bildung & Teilhabe <Herne>"
TYPED = "<b>Montag & so"
COUNTS = (0, 1, 2, 3, 5, 11, 21, 101, 1000)
LEFTOVER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def langs() -> list[Lang]:
    """Every language Gremium speaks."""
    translator = Translator("de")
    return [translator.get(code) for code in SUPPORTED_LANGUAGES]


def values(lang: Lang) -> dict[str, object]:
    """Realistic values for every placeholder name, escaped as the code escapes them."""
    when = lang.when(MOMENT, BERLIN)
    day = lang.day(MOMENT.date())
    realistic: dict[str, object] = {
        "name": NAME,
        "names": f"{NAME}, {RTL_NAME}, Олена Коваленко",
        "group": GROUP_NAME,
        "old": GROUP_NAME,
        "new": "Kultur & Sport",
        "target": GROUP_NAME,
        "organisation": "Integrationskonferenz Herne & Partner",
        "contact": "Kommunales Integrationszentrum <KI>, integration@herne.de",
        "query": TYPED,
        "text": TYPED,
        "word": TYPED,
        "code": TYPED,
        "command": "/dance",
        "options": f"{GROUP_NAME} (bildung), Kultur (kultur)",
        "languages": "Deutsch (de), English (en), Türkçe (tr), العربية (ar)",
        "slug": "bildung",
        "link": "https://t.me/gremium_bot?start=join-bildung",
        "when": when,
        "date": day,
        "day": day,
        "first": day,
        "last": day,
        "enough": day,
        "start": lang.clock(time(17, 0)),
        "end": lang.clock(time(16, 0)),
        "time": lang.clock(time(2, 30)),
        "period": ptexts.months(lang, 12),
        "vote_period": ptexts.months(lang, 6),
        "weekdays": "Di, Do",
        "example": "12.03.2027 17:00",
        "mark": "✅",
        "problem": "Zu wenige Termine.",
    }
    return {k: escape(v) if isinstance(v, str) else v for k, v in realistic.items()}


def fill(text: str, lang: Lang, *, plural: bool = False) -> dict[str, object]:
    """Values for the placeholders of ``text``: realistic by name, else a number (``{n}`` of a
    plural message is filled in by ``ngettext`` itself)."""
    known = values(lang)
    wanted = set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", text)) - ({"n"} if plural else set())
    return {key: known.get(key, 12) for key in wanted}


def catalogue_messages() -> Iterator[tuple[str, str | tuple[str, str]]]:
    """(language, msgid) of every message of every catalogue."""
    for code in SUPPORTED_LANGUAGES:
        with (LOCALES / code / "LC_MESSAGES" / "gremium.po").open("rb") as fp:
            catalog = read_po(fp, locale=code)
        for message in catalog:
            if message.id:
                msgid = message.id if isinstance(message.id, str) else tuple(message.id)
                yield code, msgid  # type: ignore[misc]


def check_html(text: str, *, limit: int = MESSAGE_LIMIT) -> str:
    """Parse ``text`` as Telegram does; return the visible text. Fails on broken HTML, an
    unfilled placeholder, an empty message or one over ``limit``."""
    try:
        plain, _entities = parse_html(text)
    except ParseError as exc:
        pytest.fail(f"invalid HTML ({exc}): {text!r}")
    assert plain.strip(), f"empty: {text!r}"
    assert not LEFTOVER.search(plain), f"unfilled placeholder: {text!r}"
    assert visible_length(text) <= limit, f"{visible_length(text)} > {limit}: {text[:80]!r}"
    return plain


@pytest.mark.parametrize("code", SUPPORTED_LANGUAGES)
def test_every_catalogue_message_renders(code: str) -> None:
    """Each message, filled with hostile names and right-to-left text and, for plurals, many
    counts, is valid Telegram HTML within the message limit."""
    lang = Translator("de").get(code)
    messages = [msgid for c, msgid in catalogue_messages() if c == code]
    assert len(messages) > 200
    for msgid in messages:
        if isinstance(msgid, str):
            check_html(lang._(msgid, **fill(lang._(msgid), lang)))
            continue
        for n in COUNTS:
            params = fill(msgid[0] + msgid[1], lang, plural=True)
            check_html(lang.ngettext(msgid[0], msgid[1], n, **params))


def _group(gid: int, name: str) -> Group:
    return Group(id=gid, slug=f"g{gid}", name=name, timezone="Europe/Berlin", created_at=MOMENT)


def _member(first: str, last: str | None = None, username: str | None = None) -> Member:
    return Member(
        id=7,
        telegram_id=7_770_001,
        first_name=first,
        last_name=last,
        username=username,
        language="tr",
        consent_at=MOMENT,
        consent_version=1,
        created_at=MOMENT,
    )


def rendered(lang: Lang) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(what, HTML, raw texts that must appear as typed) for every text function."""
    group, rtl = _group(1, GROUP_NAME), _group(2, RTL_NAME)
    summaries = [GroupSummary(group, 1), GroupSummary(rtl, 21)]
    member = _member(NAME, RTL_NAME, "ayse_<x>")
    ship = Membership(member_id=7, group_id=1, role=Role.COORDINATOR, joined_at=MOMENT)
    org, contact = "Integrationskonferenz Herne & Partner", "KI <Herne>, 02323 16-0"
    yield "welcome", texts.welcome(lang, first_name=NAME, organisation=org), (NAME, org)
    yield "notice", texts.privacy_notice(lang, organisation=org, contact=contact), (org, contact)
    yield "welcome back", texts.welcome_back(lang, first_name=RTL_NAME), (RTL_NAME,)
    yield "groups", texts.group_list(lang, summaries, {1}), (GROUP_NAME, RTL_NAME)
    yield "no groups", texts.group_list(lang, [], set()), ()
    yield "my groups", texts.my_groups(lang, [(group, ship)]), (GROUP_NAME,)
    yield "member line", texts.member_line(lang, member, ship), (NAME, "@ayse_<x>")
    for fn in (texts.joined, texts.left, texts.already_member, texts.not_member):
        yield fn.__name__, fn(lang, rtl), (RTL_NAME,)
    for count in COUNTS:
        yield f"members {count}", texts.members_header(lang, group, count), (GROUP_NAME,)
    error = GremiumError("There is no group called “{query}”. /groups lists them.", query=TYPED)
    yield "error", texts.error(lang, error), (TYPED,)
    for months in (1, 2, 3, 6, 11, 12, 21, 120):
        privacy = ptexts.privacy(
            lang, organisation=org, contact=contact, inactive_months=months, vote_months=months
        )
        yield f"privacy {months}", privacy, (org, contact)
    yield "unknown language", ptexts.unknown_language(lang, TYPED), (TYPED,)
    for fn in (
        ptexts.mydata_caption,
        ptexts.nothing_stored,
        ptexts.forget_question,
        ptexts.forgotten,
        ptexts.choose_language,
        ptexts.language_set,
    ):
        yield fn.__name__, fn(lang), ()


@pytest.mark.parametrize("lang", langs(), ids=lambda lang: lang.code)
def test_text_functions_escape_and_fit(lang: Lang) -> None:
    """The text functions give valid HTML in which names and typed text appear as written."""
    for what, html, raw in rendered(lang):
        plain = check_html(html)
        for text in raw:
            assert text in plain, f"{what}: {text!r} not shown as typed in {plain!r}"


@pytest.mark.parametrize("lang", langs(), ids=lambda lang: lang.code)
def test_alerts_buttons_and_menus_fit(lang: Lang) -> None:
    """Button-press alerts fit 200 characters; buttons carry at most 64 bytes of data and a
    label; menu entries have 1-256 characters."""
    for alert in (ptexts.already_forgotten(lang), ptexts.stale_forget(lang)):
        assert 0 < len(texts.plain(alert)) <= ALERT_LIMIT, alert
    member = _member(NAME)
    summaries = [GroupSummary(_group(1, GROUP_NAME), 3), GroupSummary(_group(2, RTL_NAME), 0)]
    for markup in (
        keyboards.consent(lang, "interkulturelle-oeffnung", chosen=True),
        keyboards.languages(lang.code),
        keyboards.confirm_forget(lang, member),
        keyboards.group_toggles(lang, summaries, {1}),
    ):
        for row in markup.inline_keyboard:
            for button in row:
                assert button.text.strip()
                assert button.callback_data is not None
                assert len(str(button.callback_data).encode()) <= 64
    for level in Level:
        for command in menus.bot_commands(lang, level):
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command.command)
            assert 1 <= len(command.description) <= 256


def test_callback_data_of_forget_names_the_member_record() -> None:
    """The /forgetme button names the record by id and creation time, within 64 bytes."""
    member = _member(NAME)
    markup = keyboards.confirm_forget(Translator("de").get("de"), member)
    data = markup.inline_keyboard[0][0].callback_data
    assert data == encode(ConfirmForget(7, microseconds(MOMENT)))
    assert decode(data) == ConfirmForget(7, 1_795_104_000_000_000)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de", "Donnerstag, 19. November 2026, 17:00"),
        ("tr", "19 Kasım 2026 Perşembe, 17:00"),
        ("en", "Thursday, November 19, 2026, 5:00\u202fPM"),
        ("ru", "четверг, 19 ноября 2026\u202fг., 17:00"),
        ("uk", "четвер, 19 листопада 2026\u202fр., 17:00"),
        ("ar", "الخميس، 19 نوفمبر 2026, 5:00 م"),
    ],
)
def test_dates_are_formatted_for_the_locale(code: str, expected: str) -> None:
    """Weekday, date and time follow each language's conventions (Babel, CLDR)."""
    assert Translator("de").get(code).when(MOMENT, BERLIN) == expected
