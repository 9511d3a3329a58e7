"""The consent URL is printed before the heavy imports: the person reads the consent page while
aiohttp loads. Checked by import order (``python -X importtime`` reports each import on stderr
as it completes), never by the clock; the figures are in benchmarks/RESULTS.md."""

from __future__ import annotations

import signal
from pathlib import Path

from lwa_loopback.testing import FakeLWA

from ._hostile_helpers import CliLogin


def test_the_consent_url_is_printed_before_aiohttp_is_imported(tmp_path: Path) -> None:
    with FakeLWA().in_background() as lwa:
        cli = CliLogin(lwa, tmp_path / "tokens.json", python_flags=("-X", "importtime"))
        cli.consent_url(lwa.authorize_url)
        cli.proc.send_signal(signal.SIGTERM)
        code, _, err = cli.wait()
    imported = [
        line.rsplit("|", 1)[1].strip()
        for line in err.split(lwa.authorize_url, 1)[0].splitlines()
        if line.startswith("import time:")
    ]
    assert "lwa_loopback._cli" in imported  # importtime did report the start-up imports
    assert not [name for name in imported if name.split(".")[0] in ("aiohttp", "webbrowser")]
    assert code == 143
