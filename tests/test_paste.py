"""Paste-back mode: no listener; the address the browser ended on comes back through a reader
(the library) or stdin (the CLI, as a real subprocess)."""

from __future__ import annotations

import json
import socket
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from lwa_loopback import ConsentError, LoginTimeout, PasteError, login
from lwa_loopback.testing import FakeLWA

from ._paste_https_helpers import PASTE_REDIRECT, CliRun, LocationCatcher, consent_location


@pytest.fixture
async def paste_lwa() -> Any:
    async with FakeLWA(redirect_uris=[PASTE_REDIRECT]) as fake:
        yield fake


@pytest.fixture
def paste_options(paste_lwa: FakeLWA, token_file: Path) -> dict[str, Any]:
    return {**paste_lwa.login_options(), "redirect_uri": PASTE_REDIRECT, "scope": "profile",
            "token_file": token_file, "timeout": 10.0}


def _with_state(location: str, state: str) -> str:
    return str(URL(location).update_query(state=state))


# -- the library, with a reader ------------------------------------------------------------------
async def test_a_return_url_that_is_not_loopback_selects_paste_back(
    paste_options: dict[str, Any], paste_lwa: FakeLWA, token_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    catcher = LocationCatcher()
    caplog.set_level("INFO", logger="lwa_loopback")

    tokens = await login(**paste_options, open_browser=catcher, paste=catcher.paste)

    assert json.loads(token_file.read_text())["access_token"] == tokens.access_token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    [exchange] = paste_lwa.token_requests
    assert exchange.params["redirect_uri"] == PASTE_REDIRECT
    assert exchange.params["code"] == URL(catcher.paste()).query["code"]
    assert "paste-back mode" in caplog.text
    assert exchange.params["code"] not in caplog.text


async def test_paste_uses_the_granted_scope_of_the_pasted_address(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    paste_lwa.granted_scopes = {"profile"}
    catcher = LocationCatcher()

    tokens = await login(**{**paste_options, "scope": "profile postal_code"},
                         open_browser=catcher, paste=catcher.paste)

    assert tokens.scope == "profile"


async def test_a_pasted_address_from_another_sign_in_is_refused_unused(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    catcher = LocationCatcher()

    with pytest.raises(ConsentError, match="state does not match") as caught:
        await login(**paste_options, open_browser=catcher,
                    paste=lambda: _with_state(catcher.paste(), "someone-elses-state"))

    assert caught.value.error is None
    assert paste_lwa.token_requests == []


async def test_a_pasted_refusal_is_a_consent_error(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    paste_lwa.consent_error = "access_denied"
    catcher = LocationCatcher()

    with pytest.raises(ConsentError, match="access_denied") as caught:
        await login(**paste_options, open_browser=catcher, paste=catcher.paste)

    assert caught.value.error == "access_denied"
    assert paste_lwa.token_requests == []


async def test_just_the_query_is_enough(paste_options: dict[str, Any]) -> None:
    catcher = LocationCatcher()

    tokens = await login(**paste_options, open_browser=catcher,
                         paste=lambda: "  ?" + URL(catcher.paste()).raw_query_string + "\n")

    assert tokens.access_token


async def test_a_bare_code_is_used_with_a_warning(
    paste_options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    catcher = LocationCatcher()

    tokens = await login(**paste_options, open_browser=catcher,
                         paste=lambda: URL(catcher.paste()).query["code"])

    assert tokens.access_token
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "cannot be checked against this sign-in's state" in warning.getMessage()


@pytest.mark.parametrize(
    ("pasted", "reason"),
    [
        ("", "Nothing was pasted"),
        ("   \n", "Nothing was pasted"),
        ("hello there", "holds no code="),
        ("https://example.com/lwa/callback", "holds no code="),
    ],
)
async def test_nothing_usable_pasted_is_a_paste_error(
    paste_options: dict[str, Any], paste_lwa: FakeLWA, pasted: str, reason: str
) -> None:
    with pytest.raises(PasteError, match=reason):
        await login(**paste_options, open_browser=LocationCatcher(), paste=lambda: pasted)

    assert paste_lwa.token_requests == []


async def test_the_consent_page_address_pasted_back_is_a_paste_error(
    paste_options: dict[str, Any], paste_lwa: FakeLWA
) -> None:
    seen: list[str] = []

    async def keep(url: str) -> None:
        seen.append(url)

    with pytest.raises(PasteError, match="neither one code nor one error"):
        await login(**paste_options, open_browser=keep, paste=lambda: seen[0])


async def test_end_of_input_is_a_paste_error(paste_options: dict[str, Any]) -> None:
    def closed() -> str:
        raise EOFError

    with pytest.raises(PasteError, match="standard input ended"):
        await login(**paste_options, open_browser=None, paste=closed)


async def test_nothing_pasted_in_time_is_a_timeout(paste_options: dict[str, Any]) -> None:
    release = threading.Event()
    try:
        with pytest.raises(LoginTimeout, match="Nothing was pasted within"):
            await login(**{**paste_options, "timeout": 0.05}, open_browser=None,
                        paste=lambda: str(release.wait(30)))
    finally:
        release.set()  # ends the reader's thread


async def test_paste_on_a_loopback_return_url_listens_nowhere(
    lwa: FakeLWA, token_file: Path
) -> None:
    # The port is held by someone else: the normal flow would fail to listen (exit 6).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        redirect_uri = f"http://127.0.0.1:{taken.getsockname()[1]}/callback"
        catcher = LocationCatcher()

        tokens = await login(**lwa.login_options(), redirect_uri=redirect_uri, scope="profile",
                             token_file=token_file, open_browser=catcher, paste=catcher.paste)

    assert tokens.access_token
    assert lwa.token_requests[0].params["redirect_uri"] == redirect_uri


# -- the CLI, a real process fed on stdin -------------------------------------------------------
def _cli_args(lwa: FakeLWA, redirect_uri: str, token_file: Path, *extra: str) -> list[str]:
    return ["--client-id", lwa.client_id, "--client-secret", lwa.client_secret,
            "--redirect-uri", redirect_uri, "--scope", "profile", "--authorize-url",
            lwa.authorize_url, "--token-url", lwa.token_url, "--out", str(token_file),
            "--no-browser", "--timeout", "30", *extra]


async def _cli_paste(
    lwa: FakeLWA, tmp_path: Path, token_file: Path, edit: Any = None, *extra: str,
    redirect_uri: str = PASTE_REDIRECT,
) -> tuple[int, str, str]:
    """Run the CLI, follow its consent URL to the return URL, paste that (edited) back."""
    run = await CliRun.start(_cli_args(lwa, redirect_uri, token_file, *extra), tmp_path)
    consent = await run.line_starting(lwa.authorize_url)
    location = await consent_location(consent)
    pasted = location if edit is None else edit(location)
    return await run.finish((pasted + "\n").encode())


async def test_cli_pastes_back_for_a_return_url_that_is_not_loopback(
    paste_lwa: FakeLWA, tmp_path: Path, token_file: Path
) -> None:
    code, out, err = await _cli_paste(paste_lwa, tmp_path, token_file)

    assert code == 0, err
    assert out == ""
    saved = json.loads(token_file.read_text())
    assert saved["refresh_token"].startswith("Atzr|fake.")
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert err.count("paste-back mode") == 1
    assert "Copy the whole address" in err
    assert "Waiting for the redirect" not in err
    assert paste_lwa.token_requests[0].params["code"] not in err
    assert saved["access_token"] not in err


async def test_cli_paste_flag_with_a_loopback_return_url(
    lwa: FakeLWA, tmp_path: Path, token_file: Path
) -> None:
    code, _, err = await _cli_paste(lwa, tmp_path, token_file, None, "--paste",
                                    redirect_uri="http://127.0.0.1:8080/callback")

    assert code == 0, err
    assert "paste-back mode" not in err  # asked for, not chosen for a return URL elsewhere
    assert "Copy the whole address" in err
    assert token_file.exists()


async def test_cli_state_mismatch_exits_3(
    paste_lwa: FakeLWA, tmp_path: Path, token_file: Path
) -> None:
    code, _, err = await _cli_paste(paste_lwa, tmp_path, token_file,
                                    lambda location: _with_state(location, "forged"))

    assert code == 3, err
    assert "error: The pasted address's state does not match" in err
    assert "Traceback" not in err
    assert paste_lwa.token_requests == []
    assert not token_file.exists()


async def test_cli_refusal_exits_3(paste_lwa: FakeLWA, tmp_path: Path, token_file: Path) -> None:
    paste_lwa.consent_error = "access_denied"

    code, _, err = await _cli_paste(paste_lwa, tmp_path, token_file)

    assert code == 3, err
    assert "did not grant access (access_denied" in err


async def test_cli_bare_code_warns(paste_lwa: FakeLWA, tmp_path: Path, token_file: Path) -> None:
    code, _, err = await _cli_paste(paste_lwa, tmp_path, token_file,
                                    lambda location: URL(location).query["code"])

    assert code == 0, err
    assert "warning: that is a bare code" in err
    assert token_file.exists()


@pytest.mark.parametrize("stdin", [b"", b"\n"])
async def test_cli_nothing_pasted_exits_2(
    paste_lwa: FakeLWA, tmp_path: Path, token_file: Path, stdin: bytes
) -> None:
    run = await CliRun.start(_cli_args(paste_lwa, PASTE_REDIRECT, token_file), tmp_path)

    code, _, err = await run.finish(stdin)

    assert code == 2, err
    assert "error: Nothing was pasted" in err
    assert "Traceback" not in err
    assert not token_file.exists()
