"""The gettext catalogues: complete, not fuzzy, and true to the placeholders and HTML tags.

The messages are extracted from the code here (as ``make i18n`` does), so a message added to the
code and not yet in a catalogue fails the test; ``make i18n`` adds it, a translator fills it in.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from domain.i18n import SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
#: The extraction keywords of `make i18n`: Babel's defaults (_, ngettext, N_ ...) and these.
KEYWORDS = {**DEFAULT_KEYWORDS, "GremiumError": None, "lazy": None, "lazy_plural": (1, 2)}
SKIPPED_DIRECTORIES = {".venv", ".git", "tests", "locales", "node_modules", "__pycache__"}
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")

MsgId = str | tuple[str, str]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one message of one catalogue."""

    msgid: MsgId
    what: str

    def __str__(self) -> str:
        text = self.msgid if isinstance(self.msgid, str) else self.msgid[0]
        return f"{self.what}: {text[:70]!r}"


@cache
def source_messages() -> frozenset[MsgId]:
    """Every message the code marks for translation."""
    with (ROOT / "babel.cfg").open() as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found: set[MsgId] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=lambda path: Path(path).name not in SKIPPED_DIRECTORIES,
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return frozenset(found)


def load(code: str) -> Catalog:
    """The catalogue of a language as the translators edit it."""
    with (LOCALES / code / "LC_MESSAGES" / "gremium.po").open("rb") as fp:
        return read_po(fp, locale=code)


def placeholders(text: str) -> set[str]:
    """The ``{names}`` in a message."""
    return set(PLACEHOLDER.findall(text))


def tags(text: str) -> Counter[str]:
    """The HTML tags of a message, opening and closing, with their attributes."""
    return Counter(m.group(0) for m in TAG.finditer(text))


def nesting_problem(text: str) -> str | None:
    """Why the tags of ``text`` are not properly nested, or None."""
    stack: list[str] = []
    for match in TAG.finditer(text):
        name = match.group(1).lower()
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return f"unbalanced </{name}>"
        else:
            stack.append(name)
    return f"unclosed <{stack[-1]}>" if stack else None


def check_form(msgid: MsgId, source: str, form: str, *, plural: bool) -> list[Problem]:
    """Placeholders and tags of one translated form against its source text."""
    problems: list[Problem] = []
    wanted, got = placeholders(source), placeholders(form)
    if plural:
        # A form for one, two or none may say it in words instead of {n}.
        wanted, got = wanted - {"n"}, got - {"n"}
    if got != wanted:
        problems.append(Problem(msgid, f"placeholders {sorted(got)} instead of {sorted(wanted)}"))
    try:
        form.format(**{name: "x" for name in placeholders(form)})
    except (ValueError, IndexError, KeyError) as exc:
        problems.append(Problem(msgid, f"cannot be filled in ({exc})"))
    if tags(form) != tags(source):
        problems.append(
            Problem(msgid, f"tags {sorted(tags(form))} instead of {sorted(tags(source))}")
        )
    if (nesting := nesting_problem(form)) is not None:
        problems.append(Problem(msgid, nesting))
    return problems


def catalogue_problems(code: str) -> list[Problem]:
    """Everything wrong with one language's catalogue."""
    catalog = load(code)
    problems: list[Problem] = []
    present: dict[MsgId, object] = {}
    for message in catalog:
        if not message.id:
            continue
        key: MsgId = message.id if isinstance(message.id, str) else tuple(message.id)  # type: ignore[assignment]
        present[key] = message
        if message.fuzzy:
            problems.append(Problem(key, "fuzzy"))
        if isinstance(message.id, str):
            if not message.string:
                problems.append(Problem(key, "empty"))
                continue
            problems += check_form(key, message.id, message.string, plural=False)
            continue
        forms = list(message.string)
        if len(forms) != catalog.num_plurals or not all(forms):
            problems.append(Problem(key, f"needs {catalog.num_plurals} plural forms"))
            continue
        for form in forms:
            problems += check_form(key, message.id[1], form, plural=True)
    for msgid in sorted(source_messages() - set(present), key=str):
        problems.append(Problem(msgid, "missing (run make i18n)"))
    return problems


def test_extraction_finds_the_messages() -> None:
    """The extraction sees messages of every kind: _, ngettext, N_, lazy and GremiumError."""
    found = source_messages()
    assert "What I can do" in found  # N_ in handlers/commands.py
    assert ("{n} member", "{n} members") in found  # lang.ngettext
    assert "Please name a group. /groups lists them." in found  # GremiumError
    assert "Which language shall I speak with you?" in found  # lang._


@pytest.mark.parametrize("code", SUPPORTED_LANGUAGES)
def test_catalogue_is_complete_and_true_to_the_source(code: str) -> None:
    """Every message is there, translated, not fuzzy, with the same placeholders and tags."""
    problems = catalogue_problems(code)
    assert not problems, f"{len(problems)} problems in {code}:\n" + "\n".join(
        map(str, problems[:40])
    )


@pytest.mark.parametrize(
    ("source", "form", "what"),
    [
        ("Hello {name}!", "Hallo {nome}!", "placeholders"),
        ("Hello {name}!", "Hallo!", "placeholders"),
        ("<b>Groups</b>", "<b>Gruppen", "tags"),
        ("<b>Groups</b>", "<i>Gruppen</i>", "tags"),
        ("<b>{group}</b>: {n}", "</b>{group}<b>: {n}", "unbalanced"),
        ("Hello {name}!", "Hallo {name!", "cannot be filled in"),
    ],
)
def test_the_checks_catch_broken_translations(source: str, form: str, what: str) -> None:
    """A renamed or lost placeholder, a lost or changed tag, and bad nesting are reported."""
    problems = check_form(source, source, form, plural=False)
    assert any(what in p.what for p in problems), problems


def test_plural_forms_may_spell_out_the_number() -> None:
    """A plural form may say "one" in words instead of {n}, but may not lose other values."""
    source = "{n} members in {group}"
    assert check_form(source, source, "ein Mitglied in {group}", plural=True) == []
    assert check_form(source, source, "ein Mitglied", plural=True) != []
