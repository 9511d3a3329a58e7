"""``lwa-loopback refresh``, ``token`` and ``show`` against the fake LWA (served from a thread)."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lwa_loopback import Tokens, read_token_file
from lwa_loopback._cli._main import main
from lwa_loopback.testing import FakeLWA, TokenFailure

from ._token_files import EXPIRED_AGE, make_token_file, refused_token_url


def invoke(*args: str, client_secret: str | None = None) -> Result:
    env = {"LWA_CLIENT_SECRET": client_secret, "LWA_TOKEN_FILE": None}
    return CliRunner().invoke(main, list(args), env=env)


def assert_no_whole_token(output: str, tokens: Tokens) -> None:
    for token in (tokens.access_token, tokens.refresh_token):
        assert token is not None
        assert token[:12] not in output  # the mask shows 8 characters at most


def test_token_prints_a_valid_token_alone(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file)

    result = invoke("token", "--file", str(token_file))

    assert (result.exit_code, result.stdout, result.stderr) == (0, old.access_token + "\n", "")
    assert fake_lwa.requests == []


def test_token_refreshes_an_expired_token(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    result = invoke("token", "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == 0, result.output
    new = read_token_file(token_file)
    assert result.stdout == new.access_token + "\n"
    assert new.access_token != old.access_token
    assert new.refresh_token == old.refresh_token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert len(fake_lwa.token_requests) == 1
    assert fake_lwa.token_requests[0].params["client_secret"] == fake_lwa.client_secret


def test_token_min_valid(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file)  # 50 minutes left

    kept = invoke("token", "--file", str(token_file), "--min-valid", "2400")
    renewed = invoke(
        "token",
        "--file",
        str(token_file),
        "--min-valid",
        "3300",
        client_secret=fake_lwa.client_secret,
    )

    assert kept.stdout == old.access_token + "\n"
    assert renewed.stdout == read_token_file(token_file).access_token + "\n" != kept.stdout
    assert len(fake_lwa.token_requests) == 1


def test_refresh_rewrites_the_file(fake_lwa: FakeLWA, token_file: Path) -> None:
    old = make_token_file(fake_lwa, token_file)  # refresh asks even while the token is valid

    result = invoke("refresh", "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Refreshed" in result.stderr
    new = read_token_file(token_file)
    assert new.access_token != old.access_token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert_no_whole_token(result.output, new)
    assert len(fake_lwa.token_requests) == 1


# -- every failure, with its exit code ------------------------------------------------------------
Setup = Callable[[FakeLWA, Path, ExitStack], None]


def _missing(fake_lwa: FakeLWA, path: Path, stack: ExitStack) -> None:
    pass


def _directory(fake_lwa: FakeLWA, path: Path, stack: ExitStack) -> None:
    path.mkdir(parents=True)


def _corrupt(fake_lwa: FakeLWA, path: Path, stack: ExitStack) -> None:
    path.parent.mkdir(parents=True)
    path.write_text('{"access_token": "Atza|half a file')


def _no_refresh_token(fake_lwa: FakeLWA, path: Path, stack: ExitStack) -> None:
    make_token_file(fake_lwa, path, age=EXPIRED_AGE, with_refresh_token=False)


def _revoked(fake_lwa: FakeLWA, path: Path, stack: ExitStack) -> None:
    make_token_file(fake_lwa, path, age=EXPIRED_AGE)
    fake_lwa.revoke_refresh_tokens()


def _server_error(fake_lwa: FakeLWA, path: Path, stack: ExitStack) -> None:
    make_token_file(fake_lwa, path, age=EXPIRED_AGE)
    fake_lwa.token_failure = TokenFailure.SERVER_ERROR


def _unreachable(fake_lwa: FakeLWA, path: Path, stack: ExitStack) -> None:
    make_token_file(
        fake_lwa, path, age=EXPIRED_AGE, token_url=stack.enter_context(refused_token_url())
    )


FAILURES: list[tuple[Setup, int, str]] = [
    (_missing, 8, "No token file"),
    (_directory, 8, "it is not a regular file"),
    (_corrupt, 8, "not a valid lwa-loopback token file"),
    (_no_refresh_token, 8, "no refresh token"),
    (_revoked, 5, "invalid_grant"),
    (_server_error, 5, "HTTP 500"),
    (_unreachable, 5, "could not connect"),
]


@pytest.mark.parametrize("command", ["token", "refresh"])
@pytest.mark.parametrize(
    ("setup", "exit_code", "said"), FAILURES, ids=[f[0].__name__.strip("_") for f in FAILURES]
)
def test_failures(
    fake_lwa: FakeLWA, token_file: Path, command: str, setup: Setup, exit_code: int, said: str
) -> None:
    with ExitStack() as stack:
        setup(fake_lwa, token_file, stack)
        before = token_file.read_bytes() if token_file.is_file() else None
        result = invoke(command, "--file", str(token_file), client_secret=fake_lwa.client_secret)

    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    assert said in result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    if exit_code == 8 or setup is _revoked:
        assert "lwa-loopback login" in result.stderr  # what to run next
    if before is not None:
        assert token_file.read_bytes() == before  # never written over, whatever went wrong


# -- show ----------------------------------------------------------------------------------------
def test_show_for_a_person(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    result = invoke("show", "--file", str(token_file))

    assert result.exit_code == 0, result.output
    assert fake_lwa.client_id in result.stdout
    assert "profile postal_code" in result.stdout
    assert "expires in 50 minutes" in result.stdout
    assert tokens.access_token[:8] + "..." in result.stdout
    assert_no_whole_token(result.output, tokens)
    assert fake_lwa.requests == []


def test_show_an_expired_token(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE + EXPIRED_AGE / 3)

    result = invoke("show", "--file", str(token_file))

    assert result.exit_code == 0, result.output
    assert "expired 3 hours ago" in result.stdout
    assert_no_whole_token(result.output, tokens)


def test_show_json_is_masked_too(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    result = invoke("show", "--json", "--file", str(token_file))

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["access_token"] == tokens.access_token[:8] + "..."
    assert shown["refresh_token"] == (tokens.refresh_token or "")[:8] + "..."
    assert shown["has_refresh_token"] is True
    assert shown["expired"] is True
    assert -7260 < shown["seconds_left"] <= -7200  # expired two hours ago
    assert (shown["client_id"], shown["region"], shown["scope"]) == (
        tokens.client_id,
        "na",
        "profile postal_code",
    )
    assert_no_whole_token(result.output, tokens)


def test_show_without_refresh_token(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, with_refresh_token=False)

    human = invoke("show", "--file", str(token_file))
    scripted = json.loads(invoke("show", "--json", "--file", str(token_file)).stdout)

    assert "Refresh token:  none" in human.stdout
    assert (scripted["refresh_token"], scripted["has_refresh_token"]) == (None, False)


def test_show_missing_file(tmp_path: Path) -> None:
    result = invoke("show", "--file", str(tmp_path / "nothing.json"))

    assert result.exit_code == 8
    assert "lwa-loopback login" in result.stderr
