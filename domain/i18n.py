"""Translations and locale-aware formatting: gettext catalogues read with Babel."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from domain.direction import FSI, LRI, PDI, RLI, isolate_placeholders, isolate_typed, mark_lines

#: The languages Gremium speaks, in the order they are offered to members.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ar", "uk", "ru")
#: Each language's own name, shown on the language buttons.
LANGUAGE_NAMES: Mapping[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "uk": "Українська",
    "ru": "Русский",
}
RTL_LANGUAGES = frozenset({"ar"})
DOMAIN = "gremium"
#: The catalogues ship inside the package (``domain/locales/<lang>/LC_MESSAGES/gremium.po``).
DEFAULT_LOCALE_DIR = Path(str(files("domain").joinpath("locales")))


class MissingCatalogue(Exception):
    """A supported language has no catalogue: an installation error, never a silent fallback."""

    def __init__(self, lang: str, looked_in: Path) -> None:
        super().__init__(
            f"no catalogue for language {lang}: looked for {DOMAIN}.mo and {DOMAIN}.po "
            f"in {looked_in}"
        )
        self.lang = lang
        self.looked_in = looked_in


#: How German addresses the reader: the formal catalogue ``de`` or the informal ``de@informal``.
GERMAN_ADDRESSES: Mapping[str, str] = {"sie": "de", "du": "de@informal"}
#: A button's day: a short weekday (without its dot) and the day and month.
BUTTON_DAY: Mapping[str, tuple[str, str]] = {
    "de": ("{weekday} {date}", "d.M."),
    "en": ("{weekday} {date}", "d MMM"),
    "tr": ("{date} {weekday}", "d MMM"),
    "ar": ("{weekday} {date}", "d/M"),
    "uk": ("{weekday} {date}", "d.MM"),
    "ru": ("{weekday} {date}", "d.MM"),
}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def normalize_language(code: str | None, fallback: str) -> str:
    """Map a Telegram ``language_code`` such as ``de-AT`` or ``pt-br`` to a supported language."""
    if code:
        base = code.replace("_", "-").split("-", 1)[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return fallback


@dataclass(frozen=True)
class LazyText:
    """A message to be translated later, in the language of whoever reads it."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def render(self, lang: Lang) -> str:
        """Translate and fill in the placeholders (a lazy value, e.g. "90 min", first)."""
        params = {
            k: v.render(lang) if isinstance(v, LazyText) else v for k, v in self.params.items()
        }
        if self.plural is not None and self.n is not None:
            return lang.ngettext(self.msgid, self.plural, self.n, **params)
        return lang._(self.msgid, **params)

    def english(self) -> str:
        """The message in the English of the code (for logs and configuration errors)."""
        params = {k: v.english() if isinstance(v, LazyText) else v for k, v in self.params.items()}
        if self.plural is not None and self.n is not None:
            return (self.msgid if self.n == 1 else self.plural).format(n=self.n, **params)
        return self.msgid.format(**params)


def lazy(msgid: str, **params: Any) -> LazyText:
    """Build a :class:`LazyText`; ``lazy`` is an extraction keyword."""
    return LazyText(msgid, params)


def lazy_plural(singular: str, plural: str, n: int, **params: Any) -> LazyText:
    """Build a :class:`LazyText` with a count; ``lazy_plural:1,2`` is an extraction keyword."""
    return LazyText(singular, params, plural, n)


#: Button dates a language keeps formatted (the dates of the polls that are open).
SHORT_KEPT = 512


class Lang:
    """One language: translations plus Babel formatting for its locale."""

    def __init__(self, code: str, translations: NullTranslations, variant: str = "") -> None:
        self.code = code
        #: The catalogue's variant ("informal" for German "du"), empty for the standard one.
        self.variant = variant
        self._t = translations
        self._short: dict[tuple[datetime, str], str] = {}

    @cached_property
    def locale(self) -> Locale:
        """The Babel locale of this language."""
        return Locale.parse(self.code)

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.code in RTL_LANGUAGES

    def _(self, msgid: str, /, **params: Any) -> str:
        """Translate ``msgid`` and fill in ``{placeholders}`` (isolated for right-to-left)."""
        return self._fill(self._t.gettext(msgid), params)

    def ngettext(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        """Translate with the plural form for ``n``; ``{n}`` is formatted for the locale."""
        return self._fill(self._t.ngettext(singular, plural, n), {"n": self.number(n), **params})

    def _fill(self, template: str, params: Mapping[str, Any]) -> str:
        """Fill in a translated template. For a right-to-left reader every single-line value
        is isolated (FSI…PDI), every /command and key=value example too (LRI…PDI), and every
        line starts with a right-to-left mark: new messages are safe without extra care."""
        if not self.rtl:
            return template.format(**params) if params else template
        names = frozenset(name for name, value in params.items() if "\n" not in str(value))
        template = isolate_placeholders(isolate_typed(template), names)
        return mark_lines(template.format(**params) if params else template)

    def isolate(self, text: str) -> str:
        """A value (a name, a date, a number) isolated from right-to-left text around it."""
        return FSI + text + PDI if self.rtl else text

    def typed(self, text: str) -> str:
        """Something typed left to right (a /command) kept in order in right-to-left text."""
        return LRI + text + PDI if self.rtl else text

    def lines(self, lines: Iterable[str]) -> str:
        """Lines put together by code: for a right-to-left reader each one aligns right."""
        text = "\n".join(lines)
        return mark_lines(text) if self.rtl else text

    def tally(self, marks_and_counts: Iterable[tuple[str, int]]) -> str:
        """ "✅ 2 · 🤔 0 · ❌ 0": each mark stays beside its own count in either direction (for a
        right-to-left reader each pair is one isolate, read from the right: mark, then count)."""
        pairs = (f"{mark} {self.number(count)}" for mark, count in marks_and_counts)
        return " · ".join(RLI + pair + PDI if self.rtl else pair for pair in pairs)

    def number(self, value: int | float) -> str:
        """Format a number for this locale."""
        return str(format_decimal(value, locale=self.locale))

    def when(self, moment: datetime, tz: ZoneInfo) -> str:
        """Weekday, date and time in ``tz``: "Donnerstag, 17. November 2026, 17:00"."""
        local = moment.astimezone(tz)
        return f"{self.day(local.date())}, {self.clock(local.time())}"

    def day(self, day: date) -> str:
        """A full date with weekday: "Donnerstag, 17. November 2026"."""
        return str(format_date(day, format="full", locale=self.locale))

    def short_day(self, day: date) -> str:
        """A compact date: "17.11.2026"."""
        return str(format_date(day, format="medium", locale=self.locale))

    def clock(self, moment: time) -> str:
        """A time of day in the locale's short form: "17:00"."""
        return str(format_time(moment, format="short", locale=self.locale))

    def short_when(self, moment: datetime, tz: ZoneInfo) -> str:
        """Weekday, day and month with the time, for buttons: "Do., 17. Nov., 17:00"."""
        key = (moment, tz.key)
        text = self._short.get(key)
        if text is None:
            local = moment.astimezone(tz)
            day = format_skeleton("MMMEd", local, locale=self.locale)
            text = f"{day}, {self.clock(local.time())}"
            if len(self._short) >= SHORT_KEPT:  # a poll's few dates are asked for again and again
                self._short.clear()
            self._short[key] = text
        return text

    def short_weekday_day(self, day: date) -> str:
        """Weekday, day and month without a time: "Do., 17. Nov."."""
        return str(format_skeleton("MMMEd", day, locale=self.locale))

    def button_day(self, day: date) -> str:
        """A day short enough for a button, never cut: "Di 8.12.", "Tue 8 Dec", "الثلاثاء 8/12"."""
        frame, pattern = BUTTON_DAY.get(self.code, ("{weekday} {date}", "d.M."))
        width = "wide" if self.rtl else "abbreviated"  # Arabic has no shorter weekday names
        weekday = self.locale.days["format"][width][day.weekday()].rstrip(".")
        return frame.format(weekday=weekday, date=format_date(day, pattern, locale=self.locale))

    def button_when(self, moment: datetime, tz: ZoneInfo, *, with_time: bool = True) -> str:
        """A date for a button, with the time when it is needed: "Di 8.12. 17:00"."""
        local = moment.astimezone(tz)
        day = self.button_day(local.date())
        return f"{day} {self.clock(local.time())}" if with_time else day

    def stamp(self, moment: datetime, tz: ZoneInfo) -> str:
        """A compact date and time in ``tz``: "17.11.2026, 17:00"."""
        return str(
            format_datetime(moment.astimezone(tz), format="short", tzinfo=tz, locale=self.locale)
        )


class Translator:
    """Loads each language's catalogue once and hands out :class:`Lang` objects.

    ``german_address`` chooses German's catalogue: "sie" (formal, ``de``) or "du" (informal,
    ``de@informal``); both are whole catalogues, nothing is replaced at run time."""

    def __init__(
        self,
        default_language: str = "de",
        locale_dir: Path = DEFAULT_LOCALE_DIR,
        *,
        german_address: str = "sie",
    ) -> None:
        if german_address not in GERMAN_ADDRESSES:
            raise ValueError(f"german_address must be one of {sorted(GERMAN_ADDRESSES)}")
        self.default_language = normalize_language(default_language, "de")
        self.locale_dir = locale_dir
        self.german_address = german_address
        self._cache: dict[str, Lang] = {}

    def get(self, code: str | None) -> Lang:
        """The :class:`Lang` for a language code, falling back to the default language."""
        lang = normalize_language(code, self.default_language)
        if lang not in self._cache:
            catalogue = GERMAN_ADDRESSES[self.german_address] if lang == "de" else lang
            variant = catalogue.partition("@")[2]
            self._cache[lang] = Lang(lang, self._load(catalogue), variant)
        return self._cache[lang]

    def load_all(self) -> Translator:
        """Load every supported language now; raise :class:`MissingCatalogue` for a gap."""
        for lang in SUPPORTED_LANGUAGES:
            self.get(lang)
        return self

    def _load(self, lang: str) -> NullTranslations:
        messages = self.locale_dir / lang / "LC_MESSAGES"
        po, mo = messages / f"{DOMAIN}.po", messages / f"{DOMAIN}.mo"
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as fp:
                return Translations(fp, domain=DOMAIN)
        if not po.exists():
            raise MissingCatalogue(lang, messages)
        # Compile in memory: the package ships the .po files (and a checkout may have no .mo).
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=lang, domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=DOMAIN)
