"""Links as Telegram stores them (tdlib ``LinkManager::check_link`` and ``parse_url``).

``https://Example.org`` becomes ``https://example.org/``: the scheme defaults to http, the host
is lower-cased and must contain a dot, an empty path becomes "/", control characters and spaces
in the path are percent-encoded; userinfo and other schemes are refused. ``tg:`` links keep their
own form.
"""

from __future__ import annotations

import re

from sandbox.emulator.entities import Entity, UserLookup

_SCHEME = re.compile(r"([^:/?#@\[\]]*)://")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_!$,~*'();&+=")
_HEX = frozenset("0123456789abcdef")


def _host_ok(host: str) -> bool:
    i = 0
    while i < len(host):
        char = host[i]
        if char == "%":
            if host[i + 1 : i + 3] == "" or not set(host[i + 1 : i + 3]) <= _HEX:
                return False
            i += 3
            continue
        if char not in _HOST_CHARS and char.isascii():
            return False
        i += 1
    return True


def _path(rest: str) -> str:
    rest = rest.rstrip(" \t\r\n\f\v")
    if not rest.startswith("/"):
        rest = "/" + rest
    return "".join(f"%{ord(c):02X}" if ord(c) <= 0x20 else c for c in rest)


def parse_link(url: str) -> tuple[str, str, str, int, str] | None:
    """(scheme, userinfo, host, port or 0, path) of an http(s) URL, or None."""
    match = _SCHEME.match(url)
    scheme, rest = "http", url
    if match:
        scheme, rest = match.group(1).lower(), url[match.end() :]
        if scheme not in {"http", "https"}:
            return None
    split = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
    authority, path = rest[:split], rest[split:]
    port = 0
    colon = max(authority.rfind(":"), 0)
    if colon and not any(c in authority[colon:] for c in "]@"):
        digits = authority[colon + 1 :].lstrip("0") or "0"
        if not digits.isdigit() or not 0 < int(digits) <= 65535:
            return None
        port, authority = int(digits), authority[:colon]
    userinfo, _, host = authority.rpartition("@")
    host = host.lower()
    if not host or host == "." or not _host_ok(host):
        return None
    return scheme, userinfo, host, port, _path(path)


def normalize_url(url: str) -> str | None:
    """The link as Telegram stores it, or None if Telegram would not accept it."""
    lower = url.lower()
    if lower.startswith("tg:"):
        parsed = parse_link(url[3:].removeprefix("//"))
        if parsed is None or parsed[1] or parsed[3]:
            return None
        path = parsed[4][1:] if parsed[4].startswith("/?") else parsed[4]
        return f"tg://{parsed[2]}{path}"
    parsed = parse_link(url)
    if parsed is None:
        return None
    scheme, userinfo, host, port, path = parsed
    if userinfo or ("." not in host and not host.startswith("[")):
        return None
    return f"{scheme}://{host}{f':{port}' if port else ''}{path}"


def link_entity(entity: Entity, href: str, lookup: UserLookup | None) -> bool:
    """Make ``entity`` a mention of the user a ``tg://user?id=`` link names, or a link to
    ``href`` as Telegram stores it; False (the entity is left out) if it can be neither."""
    prefix = "tg://user?id="
    if href.startswith(prefix) and href[len(prefix) :].isdigit():
        user = lookup(int(href[len(prefix) :])) if lookup is not None else None
        if user is None:
            return False
        entity.update(type="text_mention", user=user)
        return True
    url = normalize_url(href)
    if url is None:
        return False
    entity.update(type="text_link", url=url)
    return True
