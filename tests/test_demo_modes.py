"""``lwa-loopback demo --device`` and ``demo --sp-api``: the other flows, whole, against the
built-in fake, as a person runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lwa_loopback import read_token_file
from lwa_loopback.testing import FAKE_SELLING_PARTNER_ID

from ._token_files import cli_env


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lwa_loopback", "demo", "--out", str(tmp_path / "t.json"), *args],
        env=cli_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_device_types_the_code_on_the_fakes_page(tmp_path: Path) -> None:
    done = demo(tmp_path, "--device")

    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    code_line = next(line for line in lines if line.startswith("Code: "))
    assert lines[lines.index(code_line) - 1].startswith("http://127.0.0.1:")
    assert read_token_file(tmp_path / "t.json").grant == "device_code"


def test_demo_sp_api_signs_a_seller_in(tmp_path: Path) -> None:
    done = demo(tmp_path, "--sp-api")

    assert done.returncode == 0, done.stderr
    assert "/apps/authorize/consent?application_id=" in done.stderr
    assert read_token_file(tmp_path / "t.json").selling_partner_id == FAKE_SELLING_PARTNER_ID


def test_demo_takes_one_flow_at_a_time(tmp_path: Path) -> None:
    done = demo(tmp_path, "--device", "--sp-api")

    assert done.returncode == 2
    assert "Choose one of --device and --sp-api" in done.stderr


@pytest.mark.parametrize("args", [(), ("--device",), ("--sp-api",)])
def test_the_demos_say_what_to_run_with_a_real_client(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = demo(tmp_path, *args)

    assert done.returncode == 0, done.stderr
    *_, real_client, try_the_fake = done.stderr.splitlines()
    assert "lwa-loopback login" in real_client
    assert try_the_fake.startswith("Try every command against the fake: `lwa-loopback fake` in")
