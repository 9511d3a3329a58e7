"""What saving the tokens costs a login, step by step, beside a plain ``open()`` and write.

    .venv/bin/python benchmarks/token_file_steps.py [--runs 300]

A login checks the token file's folder before the browser opens (a private file created and
removed), then, once it has the tokens, takes the lock beside the file, removes an interrupted
write's leftovers, and writes atomically: a temporary file, fsync, rename, fsync of the folder.
Each step is timed on its own, in a fresh folder each round (as pytest's ``tmp_path`` gives a
test), beside what google-auth-oauthlib's users do with ``credentials.to_json()`` and, for
scale, a bare file creation and a bare fsync, each in a fresh folder of its own. Medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from lwa_loopback._token_file import check_writable, locked, remove_leftovers, write_token_file
from lwa_loopback._tokens import Tokens

TOKENS = Tokens(
    access_token="Atza|" + "a" * 400,
    refresh_token="Atzr|" + "r" * 400,
    token_type="bearer",
    expires_in=3600,
    obtained_at=datetime.now(timezone.utc),
    scope="profile",
    client_id="amzn1.application-oa2-client.benchmark",
    region="na",
    token_url="https://api.amazon.com/auth/o2/token",
)
Step = Callable[[Path], object]


def take_lock(loop: asyncio.AbstractEventLoop) -> Step:
    async def once(token_file: Path) -> None:
        async with locked(token_file):
            pass

    return lambda token_file: loop.run_until_complete(once(token_file))


def login_steps(loop: asyncio.AbstractEventLoop) -> dict[str, Step]:
    """In the order a login runs them, on one token file."""
    return {
        "check the folder (before the browser opens)": check_writable,
        "take the lock (creates the lock file)": take_lock(loop),
        "remove leftovers (lists the folder)": remove_leftovers,
        "write: temporary file, fsync, rename, fsync folder": lambda f: write_token_file(f, TOKENS),
    }


def plain_write(token_file: Path) -> None:
    with open(token_file, "w", encoding="utf-8") as out:
        out.write(TOKENS.dumps())


def create_file(token_file: Path) -> None:
    os.close(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def fsync_only(token_file: Path) -> float:
    """Seconds one fsync of a freshly written file takes (the creation is not counted)."""
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, TOKENS.dumps().encode())
        started = time.perf_counter()
        os.fsync(fd)
        return time.perf_counter() - started
    finally:
        os.close(fd)


OTHERS: dict[str, Step] = {
    "google-auth-oauthlib's users: open() and write": plain_write,
    "for scale: create one empty file": create_file,
}
FSYNC = "for scale: fsync one freshly written file"


def one_round(steps: dict[str, Step], scratch: str, times: dict[str, list[float]]) -> None:
    def fresh() -> Path:
        return Path(tempfile.mkdtemp(dir=scratch)) / "tokens.json"

    token_file = fresh()
    for name, step in steps.items():
        started = time.perf_counter()
        step(token_file)
        times[name].append(time.perf_counter() - started)
    for name, step in OTHERS.items():
        file = fresh()
        started = time.perf_counter()
        step(file)
        times[name].append(time.perf_counter() - started)
    times[FSYNC].append(fsync_only(fresh()))


def measure(runs: int) -> dict[str, float]:
    loop = asyncio.new_event_loop()
    steps = login_steps(loop)
    times: dict[str, list[float]] = {name: [] for name in [*steps, *OTHERS, FSYNC]}
    with tempfile.TemporaryDirectory() as scratch:
        one_round(steps, scratch, {name: [] for name in times})  # warm-up
        for _ in range(runs):
            one_round(steps, scratch, times)
    loop.close()
    medians = {name: statistics.median(seconds) for name, seconds in times.items()}
    ours = sum(medians[name] for name in steps)
    return {
        **{name: medians[name] for name in steps},
        "lwa-loopback, all its steps": ours,
        **{name: medians[name] for name in [*OTHERS, FSYNC]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    runs = parser.parse_args().runs
    print(f"medians of {runs}, each round in fresh folders")
    for name, seconds in measure(runs).items():
        print(f"{name:<54}{seconds * 1000:>8.3f} ms")


if __name__ == "__main__":
    main()
