"""Whole-process wall time of `lwa-loopback token` on a valid token file, beside its floors.

    python benchmarks/token_startup.py [--runs N]

`token` is called from shell loops (`curl -H "Authorization: Bearer $(lwa-loopback token)"`),
so what counts is the time of the whole process, start-up included. Each command runs N times,
interleaved so that a noisy moment hits them all alike; the table shows the median and the
minimum, and how much each adds to a bare `python -c pass`. No network: the token is valid, so
the token file's token_url (a closed loopback port) is never contacted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from lwa_loopback import Tokens, write_token_file


def valid_token_file(folder: Path) -> Path:
    return write_token_file(
        folder / "tokens.json",
        Tokens(
            access_token="Atza|benchmark.not-a-real-token",
            refresh_token="Atzr|benchmark.not-real",
            token_type="bearer",
            expires_in=3600,
            obtained_at=datetime.now(timezone.utc),
            scope="profile",
            client_id="amzn1.application-oa2-client.benchmark",
            region="na",
            token_url="http://127.0.0.1:9/auth/o2/token",
            selling_partner_id="A2EXAMPLE",  # so that --format env writes both lines
        ),
    )


_READ_ONLY = (
    "import sys; from lwa_loopback._token_file import read_token_file; "
    "print(read_token_file(sys.argv[1]).access_token)"
)


def commands(token_file: Path) -> dict[str, list[str]]:
    script = shutil.which("lwa-loopback", path=str(Path(sys.executable).parent)) or "lwa-loopback"
    python = sys.executable
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import click'": [python, "-c", "import click"],
        "python -c 'import aiohttp'": [python, "-c", "import aiohttp"],
        # What `token` would cost without click: the library call alone.
        "python: read_token_file only": [python, "-c", _READ_ONLY, str(token_file)],
        "lwa-loopback --help": [script, "--help"],
        "lwa-loopback token (valid)": [script, "token", "--file", str(token_file)],
        # Every format is served by the quick path: each should cost what raw costs.
        **{
            f"  ... --format {form}": [script, "token", "--file", str(token_file), "--format", form]
            for form in ("header", "json", "env")
        },
    }


def once(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def measure(runs: int, token_file: Path) -> dict[str, list[float]]:
    argvs = commands(token_file)
    for argv in argvs.values():  # warm the OS caches and write the .pyc files first
        once(argv)
    times: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            times[name].append(once(argv))
    return times


def report(times: dict[str, list[float]], runs: int) -> None:
    floor = statistics.median(times["python -c pass"])
    print(f"{runs} runs each, {sys.executable} (Python {sys.version.split()[0]})")
    print(f"{'command':<32}{'median ms':>10}{'min ms':>9}{'+ over python':>15}")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(
            f"{name:<32}{median * 1000:>10.1f}{min(seconds) * 1000:>9.1f}"
            f"{(median - floor) * 1000:>+14.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        report(measure(runs, valid_token_file(Path(folder))), runs)


if __name__ == "__main__":
    main()
