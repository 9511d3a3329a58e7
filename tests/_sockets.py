"""Port helpers for tests (the product itself never probes a port: it binds and keeps it)."""

from __future__ import annotations

import socket

# Port 0: each flow binds a free port of its own, so tests never clash and never pick a port to
# bind it later (the fake accepts any http loopback return URL unless told otherwise). A test
# that needs a busy port binds one on port 0 itself and holds it.
ANY_PORT_REDIRECT = "http://127.0.0.1:0/callback"


def assert_port_free(port: int) -> None:
    """Listening on the port again succeeds only if the flow closed its listener.

    SO_REUSEADDR, as any server (and the next login) sets it: on Linux it still refuses a
    port that has a listening socket, but not one whose last connections sit in TIME_WAIT.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
