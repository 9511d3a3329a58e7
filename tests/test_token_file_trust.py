"""What a token file must be before anything in it is trusted or sent, and how its dates rule:
real files, real processes, the fake LWA server as the only place a request could go."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lwa_loopback import read_token_file
from lwa_loopback._cli._quick import still_valid_token
from lwa_loopback.testing import FakeLWA

from ._token_files import EXPIRED_AGE, cli_env, make_token_file
from .test_token_cli import invoke

COMMANDS = ["token", "show", "refresh"]
NOBODY = 65534
as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="giving a file to another user needs root",
)


def run_cli(*args: str, client_secret: str) -> subprocess.CompletedProcess[str]:
    """The installed command in a process of its own, as a shell script calls it; bounded by a
    generous timeout only so that a hang fails the test instead of stalling it."""
    return subprocess.run(
        [sys.executable, "-m", "lwa_loopback", *args],
        env=cli_env(LWA_CLIENT_SECRET=client_secret),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# -- whose file it is ---------------------------------------------------------------------------
@as_root
@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_planted_by_another_user_is_refused_and_nothing_is_sent(
    fake_lwa: FakeLWA, tmp_path: Path, command: str
) -> None:
    # Another user's file in a shared folder, expired, pointing at "their" token endpoint.
    planted = tmp_path / "tokens.json"
    make_token_file(fake_lwa, planted, age=EXPIRED_AGE)
    os.chown(planted, NOBODY, NOBODY)

    done = run_cli(command, "--file", str(planted), client_secret=fake_lwa.client_secret)

    assert done.returncode == 8, done.stderr
    assert "belongs to another user" in done.stderr
    assert fake_lwa.requests == []  # the client secret went nowhere
    assert fake_lwa.client_secret not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_others_may_write_is_refused(
    fake_lwa: FakeLWA, token_file: Path, mode: int, command: str
) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    token_file.chmod(mode)

    result = invoke(command, "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == 8, result.output
    assert "others may write to it" in result.stderr and "chmod 600" in result.stderr
    assert fake_lwa.requests == []
    assert still_valid_token(["token", "--file", str(token_file)], {}) is None


def test_a_valid_file_of_ones_own_is_read(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    token_file.chmod(0o644)  # others may read it (a choice), but not write it

    assert still_valid_token(["token", "--file", str(token_file)], {}) == tokens.access_token
    assert invoke("token", "--file", str(token_file)).stdout == tokens.access_token + "\n"


# -- what kind of file it is --------------------------------------------------------------------
@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_refused_at_once(fake_lwa: FakeLWA, tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "tokens.json"
    os.mkfifo(fifo, 0o600)  # nothing ever writes to it: a blocking read would wait forever

    done = run_cli(command, "--file", str(fifo), client_secret=fake_lwa.client_secret)

    assert done.returncode == 8, done.stderr
    assert "not a regular file" in done.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_device_is_refused(fake_lwa: FakeLWA, command: str) -> None:
    done = run_cli(command, "--file", "/dev/zero", client_secret=fake_lwa.client_secret)

    assert done.returncode == 8, done.stderr
    assert "not a regular file" in done.stderr


def test_a_huge_file_is_refused(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    data = json.loads(token_file.read_text())
    data["padding"] = "x" * (64 * 1024)  # valid JSON, valid fields, far too big
    token_file.write_text(json.dumps(data))

    result = invoke("token", "--file", str(token_file))

    assert result.exit_code == 8
    assert "larger than 64 KiB" in result.stderr
    assert tokens.access_token not in result.stdout
    assert still_valid_token(["token", "--file", str(token_file)], {}) is None


@pytest.mark.parametrize("command", COMMANDS)
def test_a_json_depth_bomb_is_a_corrupt_file(
    fake_lwa: FakeLWA, token_file: Path, command: str
) -> None:
    token_file.parent.mkdir(parents=True)
    token_file.write_text("[" * 30_000 + "]" * 30_000)  # under the size limit
    token_file.chmod(0o600)

    done = run_cli(command, "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert done.returncode == 8, done.stderr
    assert "not a valid lwa-loopback token file" in done.stderr
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr


@pytest.mark.parametrize("field", ["access_token", "refresh_token"])
def test_a_token_with_a_line_break_is_a_corrupt_file(
    fake_lwa: FakeLWA, token_file: Path, field: str
) -> None:
    make_token_file(fake_lwa, token_file)
    data = json.loads(token_file.read_text())
    data[field] = "Atza|x\r\nX-Injected: 1"
    token_file.write_text(json.dumps(data))

    result = invoke("token", "--file", str(token_file))

    assert result.exit_code == 8
    assert "white space or control characters" in result.stderr
    assert "X-Injected" not in result.stdout


def test_show_strips_terminal_escapes_from_every_field(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file)
    data = json.loads(token_file.read_text())
    data.update(token_type="bearer\x1b]0;owned\x07", scope="profile\x1b[2J", client_id="c\x1bx")
    token_file.write_text(json.dumps(data))

    result = invoke("show", "--file", str(token_file))

    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "profile?[2J" in result.stdout


# -- leftovers of an interrupted write ------------------------------------------------------------
def test_a_write_removes_the_temporary_files_an_interrupted_one_left(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    # What a SIGKILL between the temporary file and the rename leaves: the refresh token, 0600.
    leftover = token_file.parent / f".{token_file.name}.k3x9q_1a.tmp"
    leftover.write_text(token_file.read_text())
    leftover.chmod(0o600)
    unrelated = token_file.parent / ".other.json.abc.tmp"
    unrelated.write_text("{}")

    result = invoke("refresh", "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == 0, result.output
    assert not leftover.exists()
    assert unrelated.exists()  # another file's, not ours to remove
    assert sorted(p.name for p in token_file.parent.iterdir()) == sorted(
        [token_file.name, f"{token_file.name}.lock", unrelated.name]
    )


# -- which date rules ---------------------------------------------------------------------------
def _dated(token_file: Path, **fields: str | int) -> None:
    data = json.loads(token_file.read_text())
    data.update(fields)
    token_file.write_text(json.dumps(data))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = datetime.now(timezone.utc)


def test_expires_at_set_to_the_past_forces_a_refresh(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file)  # obtained 10 minutes ago, for an hour
    _dated(token_file, expires_at=_iso(NOW - timedelta(minutes=1)))

    assert still_valid_token(["token", "--file", str(token_file)], {}) is None
    result = invoke("token", "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() != old.access_token
    assert len(fake_lwa.token_requests) == 1
    assert read_token_file(token_file).expires_at > NOW + timedelta(minutes=50)


def test_expires_at_rules_over_obtained_at_and_expires_in(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    _dated(token_file, expires_at=_iso(NOW + timedelta(minutes=30)))

    assert still_valid_token(["token", "--file", str(token_file)], {}) == old.access_token
    assert invoke("token", "--file", str(token_file)).stdout.strip() == old.access_token
    assert fake_lwa.requests == []


def test_a_file_dated_in_the_future_is_refreshed(fake_lwa: FakeLWA, token_file: Path) -> None:
    # Written while the clock was a day ahead; the clock has been put right since.
    make_token_file(fake_lwa, token_file, age=-timedelta(days=1))

    assert still_valid_token(["token", "--file", str(token_file)], {}) is None
    result = invoke("token", "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == 0, result.output
    assert len(fake_lwa.token_requests) == 1
    assert read_token_file(token_file).obtained_at <= datetime.now(timezone.utc)


def test_a_small_clock_skew_is_tolerated(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file, age=-timedelta(minutes=2))

    assert still_valid_token(["token", "--file", str(token_file)], {}) == old.access_token
    assert invoke("token", "--file", str(token_file)).stdout.strip() == old.access_token
    assert fake_lwa.requests == []
