"""Token files to start from, and ways to run the CLI, for the refresh/token/show tests."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lwa_loopback import Tokens, write_token_file
from lwa_loopback.testing import FakeLWA

VALID_AGE = timedelta(minutes=10)  # 50 minutes left of LWA's hour
EXPIRED_AGE = timedelta(hours=3)


def make_token_file(
    fake_lwa: FakeLWA,
    path: Path,
    *,
    age: timedelta = VALID_AGE,
    with_refresh_token: bool = True,
    token_url: str | None = None,
) -> Tokens:
    """Write a token file as `login` would have, ``age`` ago, with a refresh token the fake
    knows; returns what it wrote."""
    tokens = Tokens(
        access_token="Atza|fake.old." + secrets.token_urlsafe(32),
        refresh_token=fake_lwa.issue_refresh_token() if with_refresh_token else None,
        token_type="bearer",
        expires_in=3600,
        obtained_at=datetime.now(timezone.utc).replace(microsecond=0) - age,
        scope="profile postal_code",
        client_id=fake_lwa.client_id,
        region="na",
        token_url=token_url or fake_lwa.token_url,
    )
    write_token_file(path, tokens)
    return tokens


@contextmanager
def refused_token_url() -> Iterator[str]:
    """A loopback token URL whose port is bound but not listening: every connection is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/auth/o2/token"


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess, without any LWA_* setting from outside the test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
    return {**env, **extra}


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lwa_loopback", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
