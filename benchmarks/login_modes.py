"""How long one login takes in each mode, against the fake LWA server on this machine.

    python benchmarks/login_modes.py [rounds]

Prints the median and worst wall time of a whole in-process login (bind, consent, redirect or
paste, exchange, token file, close) over plain http, over https (TLS handshake included) and
in paste-back mode. Numbers only: nothing here is asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lwa_loopback import login
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The test helpers make the throwaway certificate and the browsers.
from tests._paste_https_helpers import (
    LocationCatcher,
    TrustingBrowser,
    make_certificate,
    registering,
)


async def _time(rounds: int, once: Callable[[int], Awaitable[Any]]) -> list[float]:
    await once(-1)  # warm-up: the first login imports aiohttp's server side
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        await once(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


async def main(rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="lwa-bench-"))
    certificate = make_certificate(folder / "tls")
    async with FakeLWA(redirect_uris=["https://example.com/lwa/callback"]) as lwa:
        base = {**lwa.login_options(), "scope": "profile", "timeout": 30.0}

        async def plain(i: int) -> None:
            await login(
                **base,
                redirect_uri="http://127.0.0.1:0/callback",
                token_file=folder / f"http-{i}.json",
                open_browser=registering(lwa, HeadlessBrowser()),
            )

        async def https(i: int) -> None:
            browser = TrustingBrowser(context=certificate.client_context())
            await login(
                **base,
                redirect_uri="https://127.0.0.1:0/callback",
                token_file=folder / f"https-{i}.json",
                certfile=certificate.certfile,
                keyfile=certificate.keyfile,
                open_browser=registering(lwa, browser),
            )

        async def paste(i: int) -> None:
            catcher = LocationCatcher()
            await login(
                **base,
                redirect_uri="https://example.com/lwa/callback",
                token_file=folder / f"paste-{i}.json",
                open_browser=catcher,
                paste=catcher.paste,
            )

        for name, once in (("http", plain), ("https", https), ("paste-back", paste)):
            times = await _time(rounds, once)
            print(
                f"{name:>10}: median {statistics.median(times):6.1f} ms, "
                f"worst {max(times):6.1f} ms over {rounds} logins"
            )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
