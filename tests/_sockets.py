"""Port helpers for tests (the product itself never probes a port: it binds and keeps it)."""

from __future__ import annotations

import socket

# Port 0: each flow binds a free port of its own, so tests never clash (the fake accepts any
# http loopback return URL unless told otherwise).
ANY_PORT_REDIRECT = "http://127.0.0.1:0/callback"


def free_port() -> int:
    """A port that was free a moment ago, for tests that need a fixed return URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_port_free(port: int) -> None:
    """Listening on the port again succeeds only if the flow closed its listener.

    SO_REUSEADDR, as any server (and the next login) sets it: on Linux it still refuses a
    port that has a listening socket, but not one whose last connections sit in TIME_WAIT.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
