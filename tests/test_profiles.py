"""Profiles: several clients, sellers or accounts side by side, by name, on every command; a
profile signs in again with what it remembers. The command as a process, the fake over real
sockets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lwa_loopback import read_token_file
from lwa_loopback._cli._main import main
from lwa_loopback._cli._quick import quick_output
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

from ._cli_process import Cli

SETTINGS = ("LWA_CLIENT_ID", "LWA_AUTHORIZE_URL", "LWA_TOKEN_URL", "LWA_SCOPE", "LWA_REDIRECT_URI")


def profile_file(tmp_path: Path, name: str) -> Path:
    return tmp_path / "config" / "lwa-loopback" / "profiles" / f"{name}.json"


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LWA_")}
    environ.update(XDG_CONFIG_HOME=str(tmp_path / "config"), **env)
    return subprocess.run(
        [sys.executable, "-m", "lwa_loopback", *args],
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_a_profile_is_a_token_file_of_its_own(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    done = await Cli(tmp_path, fake_lwa).login("--profile", "seller-eu")

    assert done.exit_code == 0, done.stderr
    saved = read_token_file(profile_file(tmp_path, "seller-eu"))
    assert not (tmp_path / "config" / "lwa-loopback" / "tokens.json").exists()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert quick_output(["token", "--profile", "seller-eu"], env) == saved.access_token + "\n"
    assert quick_output(["token"], {**env, "LWA_PROFILE": "seller-eu"}) == saved.access_token + "\n"
    by_command = Cli(tmp_path, fake_lwa)
    await by_command.start("token", "--profile", "seller-eu", "--min-valid", "99999")
    refreshed = await by_command.finish()  # the full command: a refresh was due
    assert refreshed.exit_code == 0, refreshed.stderr
    now_saved = read_token_file(profile_file(tmp_path, "seller-eu"))
    assert refreshed.stdout.strip() == now_saved.access_token != saved.access_token


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", "x" * 65, "with space", "é"])
def test_a_profile_name_is_never_a_path(tmp_path: Path, name: str) -> None:
    done = run(tmp_path, "show", "--profile", name)

    assert done.returncode == 2, done.stderr
    assert "not a profile name" in done.stderr or "profile name" in done.stderr
    assert "Traceback" not in done.stderr
    assert quick_output(["token", "--profile", name], {"XDG_CONFIG_HOME": str(tmp_path)}) is None


def test_the_file_flag_wins_over_the_profile_and_a_flag_over_a_variable(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    from ._token_files import make_token_file

    named = make_token_file(fake_lwa, profile_file(tmp_path, "a"))
    other = make_token_file(fake_lwa, tmp_path / "other.json")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}

    assert quick_output(
        ["token", "--profile", "a", "--file", str(tmp_path / "other.json")], env
    ) == (other.access_token + "\n")
    with_variable = {**env, "LWA_TOKEN_FILE": str(tmp_path / "other.json")}
    assert quick_output(["token", "--profile", "a"], with_variable) == named.access_token + "\n"
    assert (
        quick_output(["token"], {**with_variable, "LWA_PROFILE": "a"}) == other.access_token + "\n"
    )
    shown = run(tmp_path, "show", "--profile", "a", LWA_TOKEN_FILE=str(tmp_path / "other.json"))
    assert str(profile_file(tmp_path, "a")) in shown.stdout


async def test_login_with_only_the_profile_signs_in_again_the_same_way(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    first = await Cli(tmp_path, fake_lwa).login(
        "--profile", "p", "--scope", "profile postal_code", "--scope-data", '{"profile":{}}'
    )
    assert first.exit_code == 0, first.stderr
    again = Cli(tmp_path, fake_lwa)
    for name in SETTINGS:  # nothing but the secret: it is never saved
        del again.env[name]

    done = await again.login("--profile", "p")

    assert done.exit_code == 0, done.stderr
    replayed = fake_lwa.consent_requests[-1].params
    assert replayed["scope"] == "profile postal_code"
    assert replayed["scope_data"] == '{"profile":{}}'
    assert replayed["client_id"] == fake_lwa.client_id
    sign_in = json.loads(profile_file(tmp_path, "p").read_text())["sign_in"]
    assert "client_secret" not in sign_in and fake_lwa.client_secret not in json.dumps(sign_in)


async def test_an_option_on_the_command_line_overrides_its_saved_value(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    assert (
        await Cli(tmp_path, fake_lwa).login("--profile", "p", "--scope", "profile")
    ).exit_code == 0
    again = Cli(tmp_path, fake_lwa)
    for name in SETTINGS:
        del again.env[name]

    done = await again.login("--profile", "p", "--scope", "postal_code")

    assert done.exit_code == 0, done.stderr
    assert fake_lwa.consent_requests[-1].params["scope"] == "postal_code"
    assert read_token_file(profile_file(tmp_path, "p")).scope == "postal_code"


async def test_a_device_profile_signs_in_again_with_the_device_flow(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    fake_lwa.device_interval = 0.05
    for attempt in range(2):
        cli = Cli(tmp_path, fake_lwa)
        cli.env["LWA_CODEPAIR_URL"] = fake_lwa.codepair_url
        if attempt:
            for name in (*SETTINGS, "LWA_CODEPAIR_URL"):
                del cli.env[name]
        args = ("login", "--profile", "tv", "--no-browser") + (() if attempt else ("--device",))
        await cli.start(*args)
        code = (await cli.read_until(lambda line: line.startswith("Code: ")))[6:]
        await HeadlessBrowser().enter_code(code, cli.head[-2])
        done = await cli.finish()
        assert done.exit_code == 0, done.stderr

    assert len(fake_lwa.codepair_requests) == 2
    assert read_token_file(profile_file(tmp_path, "tv")).grant == "device_code"


def test_profiles_lists_every_profile_and_broken_ones_as_broken(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    from ._token_files import make_token_file

    make_token_file(fake_lwa, profile_file(tmp_path, "alpha"))
    broken = profile_file(tmp_path, "beta")
    broken.write_text("{not json")
    broken.chmod(0o600)
    before = broken.read_bytes()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}

    table = CliRunner().invoke(main, ["profiles"], env=env)
    as_json = json.loads(CliRunner().invoke(main, ["profiles", "--json"], env=env).stdout)

    assert table.exit_code == 0, table.output
    header, alpha, beta = table.stdout.splitlines()
    assert header.split()[:3] == ["PROFILE", "CLIENT", "ID"]
    assert alpha.startswith("alpha") and fake_lwa.client_id in alpha and "in 50 minutes" in alpha
    assert beta.startswith("beta") and "broken" in beta
    assert [row["profile"] for row in as_json] == ["alpha", "beta"]
    assert as_json[0]["has_refresh_token"] is True and "broken" in as_json[1]
    assert "access_token" not in json.dumps(as_json) and "Atza|" not in table.stdout
    assert broken.read_bytes() == before


def test_no_profiles_yet_says_how_to_make_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["profiles"], env={"XDG_CONFIG_HOME": str(tmp_path)})

    assert result.exit_code == 0
    assert "login --profile NAME" in result.stderr


async def test_a_profile_from_python(
    fake_lwa: FakeLWA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lwa_loopback

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = lwa_loopback.profile_file("ads-eu")
    tokens = await lwa_loopback.login(
        **fake_lwa.login_options(),
        redirect_uri="http://127.0.0.1:0/callback",
        scope="profile",
        token_file=path,
        open_browser=HeadlessBrowser(),
    )

    assert path == profile_file(tmp_path, "ads-eu")
    assert read_token_file(path).sign_in == {
        "client_id": fake_lwa.client_id,
        "redirect_uri": "http://127.0.0.1:0/callback",
        "scope": "profile",
        "region": "na",
        "authorize_url": fake_lwa.authorize_url,
        "token_url": fake_lwa.token_url,
    }
    assert tokens.sign_in is not None
    with pytest.raises(lwa_loopback.ConfigurationError, match="not a path"):
        lwa_loopback.profile_file("../x")


def test_a_secret_in_an_endpoint_url_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        "client-credentials",
        "--client-id",
        "c",
        "--scope",
        "s",
        "--token-url",
        "https://u:pw-SECRET@fake_lwa.example/auth/o2/token",
        LWA_CLIENT_SECRET="x",
    )

    assert done.returncode == 2, done.stderr
    assert "user name or password" in done.stderr and "pw-SECRET" not in done.stderr


async def test_browser_options_switch_a_client_credentials_profile_to_a_browser_sign_in(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    first = Cli(tmp_path, fake_lwa)
    await first.start("client-credentials", "--profile", "p", "--scope", "s")
    assert (await first.finish()).exit_code == 0
    again = Cli(tmp_path, fake_lwa)
    del again.env["LWA_REDIRECT_URI"]

    done = await again.login("--profile", "p", "--redirect-uri", "http://127.0.0.1:0/cb")

    assert done.exit_code == 0, done.stderr
    assert read_token_file(profile_file(tmp_path, "p")).grant == "authorization_code"


async def test_browser_options_beside_device_are_a_usage_error(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    done = await Cli(tmp_path, fake_lwa).login("--device", "--paste", browse=False)

    assert done.exit_code == 2
    assert "--paste cannot apply to --device" in done.stderr


async def test_a_saved_flag_can_be_turned_off_and_out_still_replays(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    fake_lwa.application_draft = True
    sp = ("--sp-api", "--application-id", fake_lwa.application_id)
    cli = Cli(tmp_path, fake_lwa)
    cli.env["LWA_AUTHORIZE_URL"] = fake_lwa.seller_central_url
    assert (await cli.login("--profile", "sp", "--draft", *sp)).exit_code == 0
    fake_lwa.application_draft = False  # published since
    again = Cli(tmp_path, fake_lwa)
    for name in SETTINGS:
        del again.env[name]

    done = await again.login("--profile", "sp", "--no-draft", "--out", str(tmp_path / "o.json"))

    assert done.exit_code == 0, done.stderr
    assert "version" not in fake_lwa.seller_central_requests[-1].params
    assert read_token_file(tmp_path / "o.json").selling_partner_id
