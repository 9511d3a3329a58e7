"""The consent URL is printed before the heavy imports: the person reads the consent page while
aiohttp loads. Checked by import order (``python -X importtime`` reports each import on stderr
as it completes), never by the clock; the figures are in benchmarks/RESULTS.md."""

from __future__ import annotations

import signal

from lwa_loopback.testing import FakeLWA

from ._cli_process import Cli


async def test_the_consent_url_is_printed_before_aiohttp_is_imported(
    cli: Cli, fake_lwa: FakeLWA
) -> None:
    await cli.start("login", "--no-browser", python_flags=("-X", "importtime"))
    await cli.consent_url()
    cli.send_signal(signal.SIGTERM)
    done = await cli.finish()
    imported = [
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.split(fake_lwa.authorize_url, 1)[0].splitlines()
        if line.startswith("import time:")
    ]
    assert "lwa_loopback._cli" in imported  # importtime did report the start-up imports
    assert not [name for name in imported if name.split(".")[0] in ("aiohttp", "webbrowser")]
    assert done.exit_code == 143
