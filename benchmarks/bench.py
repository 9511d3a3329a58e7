"""lwa-loopback against google-auth-oauthlib's ``InstalledAppFlow.run_local_server``.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/bench.py [--runs 10]

Both tools run as a fresh process against the same ``FakeLWA`` on 127.0.0.1, driven headless
by the same client (the standard library's ``http.client``, in this process):

- time to ready: process start until the consent URL is printed and the listener accepts a
  connection;
- callback to done: from sending the redirect to the return URL until the process has exited
  with the tokens on disk;
- whole flow: process start until exit, and the process's peak resident memory;
- 100 concurrent flows in one process (lwa-loopback's library API);
- stray load: 2,000 junk requests at the listener during one flow;
- one login in process, as an integration test makes it (``login_sync`` against
  ``run_local_server``, both in one process: ``in_process.py``);
- what the pytest plugin adds to pytest's start-up (``plugin_startup.py``).

Prints Markdown tables (paste them into benchmarks/RESULTS.md). Medians over ``--runs`` runs
(``--in-process-runs`` logins, ``--plugin-runs`` pytest start-ups).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lwa_loopback.testing import FakeLWA

HERE = Path(__file__).resolve().parent
OURS = "lwa-loopback"
GOOGLE = "google-auth-oauthlib"


@dataclass
class Run:
    """One login in a child process, timed from the outside."""

    ready: float = 0.0
    callback_to_done: float = 0.0
    wall: float = 0.0
    peak_kib: int = 0
    exit_status: int = 0
    saved: bool = False
    output: list[str] = field(default_factory=list)


#: ``--ours-from DIR``: run lwa-loopback from another checkout (a before/after comparison).
OURS_FROM: str | None = None
#: Where both tools' compiled bytecode goes for this run (see ``with_bytecode``).
BYTECODE = ""


def with_bytecode(env: dict[str, str]) -> dict[str, str]:
    """Both tools start from compiled bytecode, as after any install.

    ``pip install`` compiled google-auth-oauthlib's modules; this checkout's are compiled on
    first import, but only where writing bytecode is allowed: under PYTHONDONTWRITEBYTECODE
    (set in some sandboxes and CI images) every run of ours would compile its modules again.
    One private cache for both tools, filled by the warm-up run, keeps the race even.
    """
    assert BYTECODE, "set by main()"
    env = {**env, "PYTHONPYCACHEPREFIX": BYTECODE}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def command(tool: str, lwa: FakeLWA, out_file: Path) -> tuple[list[str], dict[str, str]]:
    env = with_bytecode(
        {**os.environ, "PYTHONUNBUFFERED": "1", "LWA_CLIENT_SECRET": lwa.client_secret}
    )
    if OURS_FROM is not None and tool == OURS:
        env["PYTHONPATH"] = OURS_FROM
    if tool == GOOGLE:
        env["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the fake's token URL is plain http
        return [
            sys.executable,
            str(HERE / "google_login.py"),
            lwa.authorize_url,
            lwa.token_url,
            lwa.client_id,
            str(out_file),
        ], env
    return [
        sys.executable,
        "-m",
        "lwa_loopback",
        "login",
        "--no-browser",
        "--client-id",
        lwa.client_id,
        "--redirect-uri",
        "http://127.0.0.1:0/callback",
        "--scope",
        "profile",
        "--authorize-url",
        lwa.authorize_url,
        "--token-url",
        lwa.token_url,
        "--out",
        str(out_file),
    ], env


class Child:
    """A tool's process, its output read line by line on a thread."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.started = time.perf_counter()
        # cwd away from the checkout: ``-m`` would import the package found there first.
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._new_line:
                self.lines.append(line.rstrip("\n"))
                self._new_line.notify_all()

    def wait_for_line(self, prefix: str, timeout: float = 30.0) -> str:
        with self._new_line:
            found = self._new_line.wait_for(
                lambda: any(line.startswith(prefix) for line in self.lines), timeout
            )
            if not found:
                raise RuntimeError(f"no line starting {prefix!r}: {self.lines}")
            return next(line for line in self.lines if line.startswith(prefix))

    def wait(self) -> tuple[int, int]:
        """Exit status and peak resident memory (KiB) of the process."""
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return self.proc.returncode, usage.ru_maxrss

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


def return_address(consent_url: str) -> tuple[str, int, str]:
    redirect = urlsplit(parse_qs(urlsplit(consent_url).query)["redirect_uri"][0])
    assert redirect.hostname is not None and redirect.port is not None
    return redirect.hostname, redirect.port, redirect.path


def wait_until_accepting(host: str, port: int) -> None:
    """Until the kernel lists a listening socket on the port. Read from /proc, not probed with
    a connection: google-auth-oauthlib serves exactly one connection, and a probe would be it."""
    table = "/proc/net/tcp6" if ":" in host else "/proc/net/tcp"
    wanted = f":{port:04X}"
    for _ in range(20_000):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if local.endswith(wanted) and state == "0A":  # 0A: TCP_LISTEN
                return
        time.sleep(0.0005)
    raise RuntimeError(f"{host}:{port} never listened")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET with the standard library, no redirect followed: the shared headless client."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target or "/", headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def login_once(
    tool: str,
    lwa: FakeLWA,
    before_callback: Callable[[Child, str], None],
    consent_pause: float = 0.0,
) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        out_file = Path(folder) / "tokens.json"
        child = Child(*command(tool, lwa, out_file), cwd=Path(folder))
        run = Run()
        consent_url = child.wait_for_line(lwa.authorize_url)
        host, port, _ = return_address(consent_url)
        wait_until_accepting(host, port)
        run.ready = time.perf_counter() - child.started
        status, headers, _ = get(consent_url)  # the fake signs in and redirects back
        assert status == 302, status
        time.sleep(consent_pause)  # a person reading the consent page, when asked for
        before_callback(child, headers["Location"])
        callback_sent = time.perf_counter()
        # A tool that already gave up may drop the connection; its exit status says so.
        with contextlib.suppress(ConnectionError, http.client.HTTPException):
            get(headers["Location"])
        run.exit_status, run.peak_kib = child.wait()
        done = time.perf_counter()
        run.callback_to_done = done - callback_sent
        run.wall = done - child.started
        run.saved = out_file.exists() and "Atza|fake." in out_file.read_text()
        run.output = child.lines
        return run


def nothing(child: Child, callback: str) -> None:
    """No stray requests before the real redirect."""


def median(values: list[float]) -> float:
    return statistics.median(values)


def compare(lwa: FakeLWA, runs: int, consent_pause: float) -> dict[str, list[Run]]:
    results: dict[str, list[Run]] = {OURS: [], GOOGLE: []}
    for tool in results:  # one warm-up each: disk cache, .pyc files
        login_once(tool, lwa, nothing)
    for _ in range(runs):
        for tool, done in results.items():  # interleaved, so drift hits both alike
            run = login_once(tool, lwa, nothing, consent_pause)
            if run.exit_status != 0 or not run.saved:
                raise RuntimeError(f"{tool} failed: {run.output}")
            done.append(run)
    return results


# -- stray load ----------------------------------------------------------------------------------
JUNK_TARGETS = [
    "/",
    "/favicon.ico",
    "/callback",
    "/callback?state=forged&code=stolen",
    "/callback?code=x",
    "/callback/../callback?state=a&state=b",
    "/%ff%fe",
    "/callback?state=" + "A" * 4000,
]


@dataclass
class Stray:
    tool: str
    sent: int
    answered: int
    rss_before_kib: int
    rss_after_kib: int
    run: Run


def junk_request(host: str, port: int, i: int) -> bool:
    """One of the stray requests; whether it got an answer."""
    target = JUNK_TARGETS[i % len(JUNK_TARGETS)]
    headers = {"Host": "evil.example:80"} if i % 7 == 0 else {}
    try:
        get(f"http://{host}:{port}{target}", headers)
    except (OSError, http.client.HTTPException):
        return False
    return True


def stray_load(tool: str, lwa: FakeLWA, count: int) -> Stray:
    tally = {"answered": 0, "before": 0, "after": 0}

    def junk(child: Child, callback: str) -> None:
        host, port, _ = return_address(child.wait_for_line(lwa.authorize_url))
        first = 0
        if count > 1:  # one served first, so that "before" counts the loaded server
            tally["answered"] += junk_request(host, port, 0)
            first = 1
        tally["before"] = child.rss_kib()
        with ThreadPoolExecutor(max_workers=16) as pool:
            tally["answered"] += sum(
                pool.map(lambda i: junk_request(host, port, i), range(first, count))
            )
        tally["after"] = child.rss_kib()

    run = login_once(tool, lwa, junk)
    return Stray(tool, count, tally["answered"], tally["before"], tally["after"], run)


# -- 100 flows in one process ------------------------------------------------------------------
async def concurrent_flows(count: int) -> dict[str, float]:
    from lwa_loopback import login
    from lwa_loopback.testing import HeadlessBrowser

    async with FakeLWA() as lwa:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            tokens = await asyncio.gather(
                *(
                    login(
                        **lwa.login_options(),
                        redirect_uri="http://127.0.0.1:0/callback",
                        scope="profile",
                        token_file=Path(folder) / f"{i}.json",
                        open_browser=HeadlessBrowser(),
                        timeout=60,
                    )
                    for i in range(count)
                )
            )
            seconds = time.perf_counter() - started
    assert len({t.access_token for t in tokens}) == count
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"flows": count, "seconds": seconds, "peak_kib": peak}


def concurrent_in_child(count: int) -> dict[str, float]:
    result: dict[str, float] = in_child(Path(__file__).name, "--concurrent-child", str(count))
    return result


# -- in process, and the pytest plugin's start-up ----------------------------------------------
def in_child(script: str, *args: str) -> Any:
    """Another benchmark's JSON, from a fresh process importing lwa_loopback as ours does."""
    env = dict(os.environ)
    if OURS_FROM is not None:
        env["PYTHONPATH"] = OURS_FROM
    out = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        env=env,
        cwd=tempfile.gettempdir(),  # away from the checkout, as for the commands
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def in_process_rows(runs: int) -> Iterator[str]:
    result: dict[str, dict[str, float]] = in_child("in_process.py", "--runs", str(runs), "--json")
    for setting, tools in result.items():
        a, b = tools[OURS] * 1000, tools[GOOGLE] * 1000
        yield f"| {setting}, in process ({runs} logins) | {a:.2f} ms | {b:.2f} ms | {a / b:.2f} |"


def plugin_rows(runs: int) -> Iterator[str]:
    result: dict[str, list[float]] = in_child("plugin_startup.py", "--runs", str(runs), "--json")
    yield f"\npytest --collect-only on one test, medians of {runs} runs each, interleaved:\n"
    yield "| pytest start-up | with the lwa_loopback plugin | without it | the plugin adds |"
    yield "|---|---|---|---|"
    for setting, (loaded, without, added) in result.items():
        yield f"| {setting} | {ms(loaded)} | {ms(without)} | {added * 1000:+.1f} ms |"


# -- the report ----------------------------------------------------------------------------------
def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def report(
    instant: dict[str, list[Run]],
    paused: dict[str, list[Run]],
    pause: float,
    strays: list[Stray],
    concurrent: dict[str, float],
    runs: int,
) -> Iterator[str]:
    yield f"Machine: {machine()}. Medians of {runs} runs each, interleaved.\n"
    yield f"| measure | {OURS} | {GOOGLE} | ratio |"
    yield "|---|---|---|---|"
    rows: list[tuple[str, dict[str, list[Run]], Callable[[Run], float], Callable[[float], str]]]
    rows = [
        ("time to ready", instant, lambda r: r.ready, ms),
        ("callback to done, callback sent at once", instant, lambda r: r.callback_to_done, ms),
        (
            f"callback to done, callback after {pause:g} s on the consent page",
            paused,
            lambda r: r.callback_to_done,
            ms,
        ),
        ("whole headless flow, wall time", instant, lambda r: r.wall, ms),
        ("whole headless flow, peak RSS", instant, lambda r: r.peak_kib, mib),
    ]
    for name, results, pick, shown in rows:
        a = median([pick(r) for r in results[OURS]])
        b = median([pick(r) for r in results[GOOGLE]])
        yield f"| {name} | {shown(a)} | {shown(b)} | {a / b:.2f} |"
    yield (
        f"| {concurrent['flows']:.0f} concurrent flows in one process | "
        f"{concurrent['seconds']:.2f} s, peak RSS {mib(concurrent['peak_kib'])} | "
        "not measured: blocking, one flow per call | |"
    )
    cells = []
    for stray in strays:
        outcome = (
            "flow completed"
            if stray.run.exit_status == 0 and stray.run.saved
            else (f"flow FAILED (exit {stray.run.exit_status})")
        )
        cells.append(
            f"{stray.sent} junk requests, {stray.answered} answered; {outcome}; RSS "
            f"{mib(stray.rss_before_kib)} before, {mib(stray.rss_after_kib)} after, "
            f"peak {mib(stray.run.peak_kib)}"
        )
    yield f"| stray load | {' | '.join(cells)} | |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--flows", type=int, default=100)
    parser.add_argument("--junk", type=int, default=2000)
    parser.add_argument("--consent-pause", type=float, default=1.0)
    parser.add_argument(
        "--ours-from",
        metavar="DIR",
        help="import lwa_loopback from DIR instead (an older checkout)",
    )
    parser.add_argument("--in-process-runs", type=int, default=200)
    parser.add_argument("--plugin-runs", type=int, default=30)
    parser.add_argument("--concurrent-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    global OURS_FROM, BYTECODE
    OURS_FROM = args.ours_from
    if args.concurrent_child:
        print(json.dumps(asyncio.run(concurrent_flows(args.concurrent_child))))
        return
    BYTECODE = tempfile.mkdtemp(prefix="lwa-bench-pycache-")
    with FakeLWA().in_background() as lwa:
        instant = compare(lwa, args.runs, 0.0)
        paused = compare(lwa, args.runs, args.consent_pause)
        # google-auth-oauthlib serves exactly one request: a single stray one ends its flow.
        strays = [stray_load(OURS, lwa, args.junk), stray_load(GOOGLE, lwa, 1)]
    concurrent = concurrent_in_child(args.flows)
    shutil.rmtree(BYTECODE, ignore_errors=True)
    for line in report(instant, paused, args.consent_pause, strays, concurrent, args.runs):
        print(line)
    for line in in_process_rows(args.in_process_runs):
        print(line)
    for line in plugin_rows(args.plugin_runs):
        print(line)


if __name__ == "__main__":
    main()
