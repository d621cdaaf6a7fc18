"""Only the page itself may drive the sandbox: every request must name the address the server
listens on as its Host, and come from no other origin.

A web page open in the same browser could otherwise send requests to the sandbox on loopback
(a form posted to ``/api/personas``, a ``fetch`` with ``mode: "no-cors"``), or read its answers
after pointing a name of its own at 127.0.0.1 (DNS rebinding). Such requests carry a foreign
``Origin`` or ``Sec-Fetch-Site``, or a foreign ``Host``, and are answered 403.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

#: Names that always mean this machine (the server listens on loopback unless told otherwise).
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
#: ``Sec-Fetch-Site`` values a browser sends for the page's own requests, or typed-in addresses.
_OWN_SITE = frozenset({"same-origin", "none"})


def _listening(request: web.Request) -> tuple[str, int] | None:
    """The address and port this connection came in on."""
    transport = request.transport
    sock = transport.get_extra_info("sockname") if transport is not None else None
    if not isinstance(sock, tuple) or len(sock) < 2:
        return None
    return str(sock[0]), int(sock[1])


def _host(value: str) -> URL | None:
    try:
        url = URL(f"http://{value}")
    except ValueError:
        return None
    return url if url.host and url.explicit_port is not None and not url.path.strip("/") else None


def refusal(request: web.Request) -> str | None:
    """Why ``request`` is not the page's own (None if it is)."""
    listening = _listening(request)
    host = _host(request.headers.get("Host", ""))
    if listening is None or host is None:
        return "no Host naming this server"
    address, port = listening
    if host.explicit_port != port or host.host not in LOOPBACK_NAMES | {address}:
        return f"Host {request.headers.get('Host')!r} is not this server"
    origin = request.headers.get("Origin")
    if origin is not None:
        seen = URL(origin)
        if (seen.scheme, seen.host, seen.explicit_port) != ("http", host.host, port):
            return f"Origin {origin!r} is another site"
    if request.headers.get("Sec-Fetch-Site", "none") not in _OWN_SITE:
        return "a request from another site"
    return None


@web.middleware
async def same_origin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer 403 to any request that is not the sandbox page's own."""
    problem = refusal(request)
    if problem is not None:
        return web.json_response({"error": f"forbidden: {problem}"}, status=403)
    return await handler(request)
