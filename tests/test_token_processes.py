"""``lwa-loopback token`` as shell scripts run it: separate processes, all at once, started cold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lwa_loopback import read_token_file
from lwa_loopback._cli._formats import FORMATS, render
from lwa_loopback.testing import FakeLWA, TokenFailure

from ._token_files import EXPIRED_AGE, cli_env, make_token_file, start_cli

PROCESSES = 8


def test_processes_at_once_make_one_refresh_request(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    # A slow answer keeps the first refresh going while every other process reaches the lock.
    fake_lwa.token_failure, fake_lwa.slow_seconds = TokenFailure.SLOW, 0.5
    env = cli_env(LWA_CLIENT_SECRET=fake_lwa.client_secret)

    running = [start_cli("token", "--file", str(token_file), env=env) for _ in range(PROCESSES)]
    finished = [process.communicate(timeout=60) for process in running]

    assert [p.returncode for p in running] == [0] * PROCESSES, finished
    new = read_token_file(token_file)
    assert new.access_token != old.access_token
    assert {stdout for stdout, _ in finished} == {new.access_token + "\n"}
    assert len(fake_lwa.token_requests) == 1


# Nothing `token` needs while the access token is valid; each costs start-up time in shell loops.
HEAVY = ["aiohttp", "yarl", "multidict", "asyncio", "ssl", "logging", "tempfile", "concurrent"]
_REPORT_MODULES = """
import json, sys
from lwa_loopback._cli._main import main
try:
    main(sys.argv[1:], prog_name="lwa-loopback")
except SystemExit as exit:
    loaded = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
    print(json.dumps({"exit_code": exit.code, "loaded": loaded}), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        *(["token", "--file", "FILE", "--format", form] for form in FORMATS),
        ["token", "--file", "FILE"],
        ["--help"],
        ["token", "--help"],
    ],
)
def test_quick_commands_import_nothing_heavy(
    fake_lwa: FakeLWA, token_file: Path, args: list[str]
) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    code = _REPORT_MODULES.replace("HEAVY", repr(json.dumps(HEAVY)))

    done = subprocess.run(
        [sys.executable, "-c", code, *(str(token_file) if a == "FILE" else a for a in args)],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"exit_code": 0, "loaded": []}
    if args[0] == "token" and "--help" not in args:
        form = args[args.index("--format") + 1] if "--format" in args else "raw"
        assert done.stdout == render(
            form,
            access_token=tokens.access_token,
            token_type=tokens.token_type,
            expires_at=tokens.expires_at,
            selling_partner_id=tokens.selling_partner_id,
        )
    assert fake_lwa.requests == []


def test_importing_the_package_imports_nothing_heavy() -> None:
    code = (
        "import sys, lwa_loopback; lwa_loopback.TokenFileUnusable; "
        "print(sorted(m for m in ('aiohttp', 'yarl', 'asyncio') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "[]\n"
