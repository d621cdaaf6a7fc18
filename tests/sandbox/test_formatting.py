"""Telegram's parse modes, entity offsets in UTF-16, and HTML re-rendering."""

from __future__ import annotations

import html
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.emulator.entities import ParseError
from sandbox.emulator.errors import ApiError
from sandbox.emulator.formatting import formatted, render_html
from sandbox.emulator.htmlparse import parse_html
from sandbox.emulator.markdown import parse_markdown, parse_markdown_v2


def ent(kind: str, offset: int, length: int, **extra: Any) -> dict[str, Any]:
    return {"offset": offset, "length": length, "type": kind, **extra}


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("plain", "plain", []),
        ("<b>bold</b> <strong>s</strong>", "bold s", [ent("bold", 0, 4), ent("bold", 5, 1)]),
        ("<i>a<u>b</u></i>", "ab", [ent("italic", 0, 2), ent("underline", 1, 1)]),
        (
            "<s>x</s><del>y</del><strike>z</strike>",
            "xyz",
            [ent("strikethrough", i, 1) for i in range(3)],
        ),
        (
            '<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>',
            "ab",
            [ent("spoiler", 0, 1), ent("spoiler", 1, 1)],
        ),
        ("&lt;&gt;&amp;&quot;&#65;&#x42;", '<>&"AB', []),
        ("AT&T &nbsp; &lt", "AT&T &nbsp; <", []),  # unknown references stay literal
        ("😀<b>x</b>", "😀x", [ent("bold", 2, 1)]),  # offsets in UTF-16 code units
        (
            '<a href="https://x.org/a?b=1&amp;c=2">l</a>',
            "l",
            [ent("text_link", 0, 1, url="https://x.org/a?b=1&c=2")],
        ),
        ("<a href='example.com'>e</a>", "e", [ent("text_link", 0, 1, url="http://example.com/")]),
        ("<code>c</code>", "c", [ent("code", 0, 1)]),
        ("<pre>p</pre>", "p", [ent("pre", 0, 1)]),
        (
            '<pre><code class="language-python">x</code></pre>',
            "x",
            [ent("pre", 0, 1, language="python")],
        ),
        ("<blockquote>q</blockquote>", "q", [ent("blockquote", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [ent("expandable_blockquote", 0, 1)]),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [ent("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")],
        ),
        ("<B>up</B>", "up", [ent("bold", 0, 2)]),
        ("<b></b>empty", "empty", []),
        ("<a href>x</a> <b id=1 x>y</b>", "x y", [ent("bold", 2, 1)]),  # valueless attributes
        ("&#xD83D;&#xDE00;", "😀", []),  # surrogate halves pair up
        (
            '<tg-time unix="1700000000" format="wDT">t</tg-time>',
            "t",
            [ent("date_time", 0, 1, unix_time=1700000000, date_time_format="wDT")],
        ),
    ],
)
def test_parse_html(source: str, text: str, entities: list[dict[str, Any]]) -> None:
    """Supported tags, references and their entities."""
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("ü<br/>", 'Unsupported start tag "br/" at byte offset 2'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href=a"b>x</a>', "Unexpected end of name token at byte offset 8"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b class", 'Unclosed start tag "b" at byte offset 0'),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xD83D;",
            "Text contains invalid Unicode characters after decoding HTML entities, check for"
            " unmatched surrogate code units",
        ),
    ],
)
def test_parse_html_errors(source: str, message: str) -> None:
    """Errors name the problem and the UTF-8 byte offset, as Telegram's parser does."""
    with pytest.raises(ParseError) as raised:
        parse_html(source)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        (
            "*b* _i_ __u__ ~s~ ||sp||",
            "b i u s sp",
            [
                ent("bold", 0, 1),
                ent("italic", 2, 1),
                ent("underline", 4, 1),
                ent("strikethrough", 6, 1),
                ent("spoiler", 8, 2),
            ],
        ),
        ("1\\. done\\!", "1. done!", []),
        ("[site](https://x.org/)", "site", [ent("text_link", 0, 4, url="https://x.org/")]),
        ("`a_b`", "a_b", [ent("code", 0, 3)]),
        ("```py\nprint()\n```", "print()\n", [ent("pre", 0, 8, language="py")]),
        (">quoted\n>more\nafter", "quoted\nmore\nafter", [ent("blockquote", 0, 11)]),
    ],
)
def test_parse_markdown_v2(source: str, text: str, entities: list[dict[str, Any]]) -> None:
    """MarkdownV2 basics."""
    assert parse_markdown_v2(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("3.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("*open", "Can't find end of Bold entity at byte offset 0"),
        ("ä _x", "Can't find end of Italic entity at byte offset 3"),
    ],
)
def test_parse_markdown_v2_errors(source: str, message: str) -> None:
    """Unescaped reserved characters and unclosed entities."""
    with pytest.raises(ParseError, match=None) as raised:
        parse_markdown_v2(source)
    assert str(raised.value) == message


def test_legacy_markdown() -> None:
    """Markdown (v1): fewer entities, no escaping rules for other characters."""
    assert parse_markdown("*b* _i_ 3.5 [l](http://a.b/)") == (
        "b i 3.5 l",
        [ent("bold", 0, 1), ent("italic", 2, 1), ent("text_link", 8, 1, url="http://a.b/")],
    )
    with pytest.raises(ParseError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("*b")


def test_formatted_trims_and_detects() -> None:
    """Spaces and newlines are trimmed (at the start only up to the first entity); URLs,
    commands, mentions and hashtags are detected."""
    result = formatted("\n <b> Hi </b> /start @someone #tag https://x.org/p. \n ", "HTML", None)
    assert result.text == " Hi  /start @someone #tag https://x.org/p."
    assert [(e["type"], e["offset"], e["length"]) for e in result.entities] == [
        ("bold", 0, 4),
        ("bot_command", 5, 6),
        ("mention", 12, 8),
        ("hashtag", 21, 4),
        ("url", 26, 15),
    ]
    assert formatted("\tx\t", None, None).text == "\tx\t"  # tabs stay


def test_formatted_keeps_explicit_entities() -> None:
    """Without parse_mode, given entities are kept (clipped; unknown types dropped)."""
    result = formatted("abc", None, [ent("bold", 1, 9), ent("sparkle", 0, 1)])
    assert result.entities == [ent("bold", 1, 2)]


def test_unsupported_parse_mode() -> None:
    """Unknown parse modes are a Bad Request."""
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        formatted("x", "rtf", None)


def test_render_html_nests_and_escapes() -> None:
    """Canonical HTML from entities, outer entities first, text escaped."""
    entities = [
        ent("bold", 0, 5),
        ent("italic", 2, 3),
        ent("text_link", 6, 2, url="https://a.b/?x&y"),
    ]
    assert render_html("a<b&c d😀", entities) == (
        '<b>a&lt;<i>b&amp;c</i></b> <a href="https://a.b/?x&amp;y">d😀</a>'
    )
    assert render_html("x", [ent("pre", 0, 1, language="go")]) == (
        '<pre><code class="language-go">x</code></pre>'
    )


TAGS = ["b", "i", "u", "s", "tg-spoiler", "code", "blockquote"]
_leaf = st.text(st.characters(exclude_categories=["Cs"]), max_size=6).map(
    lambda t: html.escape(t, quote=False)
)
_markup = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(TAGS), inner).map(lambda p: f"<{p[0]}>{p[1]}</{p[0]}>"),
        st.tuples(inner, inner).map("".join),
        inner.map(lambda t: f'<a href="https://example.org/">{t}</a>'),
    ),
    max_leaves=12,
)


@given(_markup)
def test_render_then_parse_round_trips(source: str) -> None:
    """Re-rendered HTML parses back to the same text and entities."""
    text, entities = parse_html(source)
    assert parse_html(render_html(text, entities)) == (text, entities)


@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_escaped_text_is_plain(text: str) -> None:
    """Any escaped text parses to itself without entities."""
    assert parse_html(html.escape(text)) == (text, [])
