"""What the ``lwa_loopback`` pytest plugin adds to pytest's start-up in any project.

    .venv/bin/python benchmarks/plugin_startup.py [--runs 40] [--json]

pytest imports every installed plugin in every project, whether its tests log in or not, so
the plugin must cost next to nothing until a test uses one of its fixtures. Each run collects
a folder holding one trivial test (``pytest --collect-only -q``, with a ``pytest.ini`` of its
own so that no other project's settings apply), with the plugin and without it, interleaved,
from compiled bytecode kept in that folder (as after an install):

- on bare pytest (``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``), the plugin given by ``-p`` or not:
  the plugin's own cost, measured against little else;
- with every plugin installed here (pytest-asyncio, hypothesis, ...), and ``-p
  no:lwa_loopback`` on the second row: what a project with this environment sees.

Medians; what the plugin adds is the median of the run-by-run differences.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
BARE = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

#: (argv, extra environment)
Command = tuple[list[str], dict[str, str]]

#: setting -> (with the plugin, without it)
PAIRS: dict[str, tuple[Command, Command]] = {
    "bare pytest": (([*BASE, "-p", "lwa_loopback.pytest_plugin"], BARE), (BASE, BARE)),
    "every installed plugin": ((BASE, {}), ([*BASE, "-p", "no:lwa_loopback"], {})),
}


def tiny_project(folder: Path) -> Path:
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    return folder


def once(command: Command, cwd: Path) -> float:
    argv, extra = command
    # From compiled bytecode, as after any install (PYTHONDONTWRITEBYTECODE, set in some
    # sandboxes, would make pytest compile and rewrite the plugin again on every run).
    env = {**os.environ, **extra, "PYTHONPYCACHEPREFIX": str(cwd / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def measure(runs: int, cwd: Path) -> dict[tuple[str, bool], list[float]]:
    rows = {
        (setting, loaded): command
        for setting, pair in PAIRS.items()
        for loaded, command in zip((True, False), pair, strict=True)
    }
    for command in rows.values():  # warm the OS caches and the .pyc files first
        once(command, cwd)
    times: dict[tuple[str, bool], list[float]] = {row: [] for row in rows}
    for run in range(runs):
        # Interleaved, so drift hits every row alike; each pair in turn order, so that neither
        # side of it always runs just after the other setting.
        order = list(rows) if run % 2 == 0 else list(reversed(rows))
        for row in order:
            times[row].append(once(rows[row], cwd))
    return times


def medians(runs: int) -> dict[str, tuple[float, float, float]]:
    """setting -> median seconds with the plugin, without it, and of the paired differences
    (run by run: steadier than the difference of the two medians on a busy machine)."""
    with tempfile.TemporaryDirectory() as folder:
        times = measure(runs, tiny_project(Path(folder)))
    result = {}
    for setting in PAIRS:
        loaded, without = times[setting, True], times[setting, False]
        added = [a - b for a, b in zip(loaded, without, strict=True)]
        result[setting] = (
            statistics.median(loaded),
            statistics.median(without),
            statistics.median(added),
        )
    return result


def report(result: dict[str, tuple[float, float, float]], runs: int) -> None:
    print(f"pytest --collect-only on one test, medians of {runs} runs each, interleaved")
    print(f"{'':<24}{'with the plugin':>17}{'without':>10}{'added':>10}")
    for setting, (loaded, without, added) in result.items():
        print(
            f"{setting:<24}{loaded * 1000:>14.1f} ms{without * 1000:>7.1f} ms"
            f"{added * 1000:>+7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args()
    result = medians(args.runs)
    if args.json:
        print(json.dumps(result))
    else:
        report(result, args.runs)


if __name__ == "__main__":
    main()
