"""Every example runs as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_library_login_example_runs_against_the_fake(tmp_path: Path) -> None:
    out = tmp_path / "tokens.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "library_login.py"), str(out)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "Granted scope: profile" in done.stdout
    assert json.loads(out.read_text())["access_token"] not in done.stdout
