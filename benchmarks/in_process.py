"""One login in process, as an integration test makes it: lwa-loopback's ``login_sync`` against
google-auth-oauthlib's ``InstalledAppFlow.run_local_server``.

    .venv/bin/python benchmarks/in_process.py [--runs 200] [--json]

Both run in this process against the same ``FakeLWA`` (served from its own thread, as the
``fake_lwa`` fixture serves it), driven by the same ``HeadlessBrowser``, and write the tokens
to ``tokens.json`` in a fresh folder (made before the clock starts, as pytest's ``tmp_path``
is). lwa-loopback checks that folder before the browser opens, takes the token file's lock,
and writes the file atomically (a temporary file, fsync, rename, fsync of the folder);
google-auth-oauthlib has no token file of its own, so its side writes
``credentials.to_json()`` with ``open()``, as a user's script around it would. A second row
writes no file on either side (``token_file=None``): the login alone.

``run_local_server`` opens the browser before it serves, and blocks: its browser is a
``webbrowser`` controller that hands the URL to the ``HeadlessBrowser`` on a long-lived loop
thread, so that google-auth-oauthlib pays for no thread or event loop of its own there.
Medians over ``--runs`` logins of each kind, all four kinds interleaved, after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

import lwa_loopback
from lwa_loopback._asyncio_helpers import LoopThread
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

OURS = "lwa-loopback"
GOOGLE = "google-auth-oauthlib"
BROWSER_NAME = "lwa-loopback-bench-headless"

#: A login writing its tokens to the given file, or to none.
Login = Callable[[FakeLWA, Path | None], None]
WITH_FILE = "one login, tokens written to a file"
NO_FILE = "one login, no token file"


def ours(lwa: FakeLWA, token_file: Path | None) -> None:
    tokens = lwa_loopback.login_sync(
        **lwa.login_options(),
        redirect_uri="http://127.0.0.1:0/callback",
        scope="profile",
        token_file=token_file,
        open_browser=HeadlessBrowser(),
    )
    assert tokens.access_token.startswith("Atza|fake.")


class _HandOver(webbrowser.BaseBrowser):
    """A ``webbrowser`` controller that gives the URL to a headless browser without blocking:
    ``run_local_server`` only starts serving once ``open`` returns."""

    def __init__(self, worker: LoopThread) -> None:
        super().__init__(BROWSER_NAME)
        self._worker = worker

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self._worker.submit(HeadlessBrowser()(url))
        return True


def google(worker: LoopThread) -> Login:
    # The fake's token URL is plain http, which oauthlib refuses unless told otherwise.
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    from google_auth_oauthlib.flow import InstalledAppFlow  # type: ignore[import-untyped]

    webbrowser.register(BROWSER_NAME, None, _HandOver(worker))

    def login(lwa: FakeLWA, token_file: Path | None) -> None:
        config = {
            "installed": {
                "client_id": lwa.client_id,
                "client_secret": lwa.client_secret,
                "auth_uri": lwa.authorize_url,
                "token_uri": lwa.token_url,
            }
        }
        flow = InstalledAppFlow.from_client_config(config, scopes=["profile"])
        credentials = flow.run_local_server(
            host="127.0.0.1", port=0, browser=BROWSER_NAME, authorization_prompt_message=None
        )
        assert credentials.token.startswith("Atza|fake.")
        if token_file is not None:
            with open(token_file, "w", encoding="utf-8") as out:
                out.write(credentials.to_json())

    return login


def timed(login: Login, lwa: FakeLWA, scratch: Path, with_file: bool) -> float:
    token_file = Path(tempfile.mkdtemp(dir=scratch)) / "tokens.json"
    started = time.perf_counter()
    login(lwa, token_file if with_file else None)
    seconds = time.perf_counter() - started
    assert not with_file or "Atza|fake." in token_file.read_text()
    return seconds


def compare(runs: int) -> dict[str, dict[str, list[float]]]:
    """setting -> tool -> seconds of each login."""
    with (
        LoopThread("bench-browser") as worker,
        FakeLWA().in_background() as lwa,
        tempfile.TemporaryDirectory() as scratch,
    ):
        logins = {OURS: ours, GOOGLE: google(worker)}
        settings = {WITH_FILE: True, NO_FILE: False}
        times = {setting: {tool: [] for tool in logins} for setting in settings}
        for login in logins.values():  # warm-up: imports, the first connections
            timed(login, lwa, Path(scratch), True)
        for _ in range(runs):
            for setting, with_file in settings.items():  # interleaved, so drift hits all alike
                for tool, login in logins.items():
                    times[setting][tool].append(timed(login, lwa, Path(scratch), with_file))
    return times


def medians(runs: int) -> dict[str, dict[str, float]]:
    return {
        setting: {tool: statistics.median(seconds) for tool, seconds in tools.items()}
        for setting, tools in compare(runs).items()
    }


def report(result: dict[str, dict[str, float]], runs: int) -> None:
    print(f"in process, medians of {runs} logins each, interleaved")
    print(f"{'':<38}{OURS:>14}{GOOGLE:>22}{'ratio':>7}")
    for setting, tools in result.items():
        ours_ms, google_ms = tools[OURS] * 1000, tools[GOOGLE] * 1000
        print(f"{setting:<38}{ours_ms:>11.2f} ms{google_ms:>19.2f} ms{ours_ms / google_ms:>7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args()
    result = medians(args.runs)
    if args.json:
        print(json.dumps(result))
    else:
        report(result, args.runs)


if __name__ == "__main__":
    main()
