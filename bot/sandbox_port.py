"""Where the sandbox's page can be served: checking the address, and advice when it cannot."""

from __future__ import annotations

import errno
import socket


class PortTaken(Exception):
    """The page's address is in use (or not ours to bind)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine."""
    return host in ("localhost", "::1") or host.startswith("127.")


def check_port(host: str, port: int, *, via_make: bool = False) -> None:
    """Fail early, with a clear reason, if ``host:port`` cannot be served."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortTaken(port_problem(host, port, exc, via_make=via_make)) from None


def start_command(port: int, *, via_make: bool) -> str:
    """How to start the sandbox on ``port``, the way the visitor started it."""
    return f"make sandbox SANDBOX_PORT={port}" if via_make else f"gremium sandbox --port {port}"


def port_problem(host: str, port: int, exc: OSError, *, via_make: bool = False) -> str:
    """A sentence that says why the page cannot be served and what to do."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another sandbox, or another program). "
            f"Stop it, or choose another port: {start_command(port + 1, via_make=via_make)}"
        )
    if exc.errno == errno.EACCES:
        return (
            f"not allowed to listen on port {port}; choose a port above 1023: "
            f"{start_command(8080, via_make=via_make)}"
        )
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
