"""The README's promises: the two set-up commands CI runs, a first page short enough to read,
and a pytest example that passes as printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from ._browsers import subprocess_env

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"

#: Run verbatim by .ci/run: a change here is a change to CI.
SETUP_COMMANDS = [
    "python3 -m venv .venv && . .venv/bin/activate && pip install . && lwa-loopback demo",
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest",
]
#: A newcomer's first ten minutes; the reference lives in docs/.
MAX_LINES = 250


def setup_commands() -> list[str]:
    """The shell commands of the README's first code block."""
    block = re.search(r"```sh\n(.*?)```", README.read_text(), re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_the_readme_opens_with_exactly_the_two_setup_commands() -> None:
    assert setup_commands() == SETUP_COMMANDS


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    for command in setup_commands():
        assert command in ci


def test_the_readme_stays_short() -> None:
    lines = len(README.read_text().splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines: move reference into docs/"


def _section(heading: str) -> str:
    text = README.read_text()
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_pytest_example_passes(tmp_path: Path) -> None:
    block = re.search(r"```python\n(.*?)```", _section("In your tests"), re.DOTALL)
    assert block is not None
    example = tmp_path / "test_readme_example.py"
    example.write_text(block.group(1))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
