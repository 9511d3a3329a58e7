"""``lwa-loopback token --format sp-api-env|sp-api-json|ad-api-env|ad-api-json``: the refresh
token and the client's credentials, in the names python-amazon-sp-api and python-amazon-ad-api
read (docs/next-libraries.md says where; tests/test_next_libraries.py holds the two together).

The quick path prints the very same text (tests/test_quick_token.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lwa_loopback import Tokens, read_token_file, write_token_file
from lwa_loopback._cli._formats import LIBRARY_FORMATS
from lwa_loopback._cli._main import main
from lwa_loopback._grants import CLIENT_CREDENTIALS, SELLING_PARTNER, Grant
from lwa_loopback.testing import FakeLWA

from ._token_files import EXPIRED_AGE, make_token_file

# What a shell must not read as its own, and a quote: the secret is the user's, not LWA's.
SECRET = "amzn1.oa2-cs.v1.it's$HOME`id`|;"
FULLWIDTH_42 = "\uff14\uff12"  # digits to str.isdigit(), not to an Ads API


def run(*args: str, secret: str | None = None) -> Result:
    """``lwa-loopback ARGS``, with ``LWA_CLIENT_SECRET`` set to ``secret`` (or unset)."""
    env = {"LWA_CLIENT_SECRET": secret, "LWA_TOKEN_FILE": None}
    return CliRunner().invoke(main, list(args), env=env)


def printed(token_file: Path, form: str, *more: str, secret: str | None = None) -> str:
    result = run("token", "--file", str(token_file), "--format", form, *more, secret=secret)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


def test_sp_api_env_is_what_python_amazon_sp_api_reads(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    assert printed(token_file, "sp-api-env", secret="the-secret").splitlines() == [
        f"LWA_APP_ID='{tokens.client_id}'",
        "LWA_CLIENT_SECRET='the-secret'",
        f"SP_API_REFRESH_TOKEN='{tokens.refresh_token}'",
    ]


def test_without_the_secret_a_comment_says_why_it_is_left_out(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    lines = printed(token_file, "sp-api-env").splitlines()

    assert lines[0] == f"LWA_APP_ID='{tokens.client_id}'"
    assert lines[1].startswith("# LWA_CLIENT_SECRET: not given to this command")
    assert "the token file holds none" in lines[1]
    assert lines[2] == f"SP_API_REFRESH_TOKEN='{tokens.refresh_token}'"


def test_the_secret_given_on_the_command_line_is_printed_too(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    make_token_file(fake_lwa, token_file)
    lines = printed(token_file, "ad-api-env", "--client-secret", "from-the-flag").splitlines()
    assert "AD_API_CLIENT_SECRET='from-the-flag'" in lines


def test_sp_api_json_is_its_credentials_object(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    output = printed(token_file, "sp-api-json", secret=SECRET)

    assert output.count("\n") == 1 and output.endswith("\n")
    assert json.loads(output) == {
        "lwa_app_id": tokens.client_id,
        "lwa_client_secret": SECRET,
        "refresh_token": tokens.refresh_token,
    }


@pytest.mark.parametrize("form", ["sp-api-json", "ad-api-json"])
def test_the_json_forms_need_the_secret(fake_lwa: FakeLWA, token_file: Path, form: str) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    result = run("token", "--file", str(token_file), "--format", form)

    assert (result.exit_code, result.stdout) == (2, "")
    assert f"--format {form} needs the client secret (LWA_CLIENT_SECRET" in result.stderr
    assert str(tokens.refresh_token) not in result.stderr


def test_ad_api_env_with_the_profile_id(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    lines = printed(token_file, "ad-api-env", "--ads-profile-id", "3947387233604911", secret="s")

    assert lines.splitlines() == [
        f"AD_API_CLIENT_ID='{tokens.client_id}'",
        "AD_API_CLIENT_SECRET='s'",
        f"AD_API_REFRESH_TOKEN='{tokens.refresh_token}'",
        "AD_API_PROFILE_ID='3947387233604911'",
    ]


def test_ad_api_env_without_it_says_how_to_get_it(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file)

    last = printed(token_file, "ad-api-env", secret="s").splitlines()[-1]

    assert last.startswith("# AD_API_PROFILE_ID: lwa-loopback does not know the Ads profile id")
    assert "--ads-profile-id" in last and "/v2/profiles" in last


def test_ad_api_json_carries_the_profile_id_only_when_given(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    without = {
        "client_id": tokens.client_id,
        "client_secret": "s",
        "refresh_token": tokens.refresh_token,
    }

    assert json.loads(printed(token_file, "ad-api-json", secret="s")) == without
    with_id = json.loads(printed(token_file, "ad-api-json", "--ads-profile-id=42", secret="s"))
    assert with_id == {**without, "profile_id": "42"}  # a string: it becomes a header's value


def test_a_shell_evaluates_the_env_forms_back_to_the_exact_values(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    script = "".join(
        printed(token_file, form, *more, secret=SECRET)
        for form, more in (("sp-api-env", ()), ("ad-api-env", ("--ads-profile-id", "42")))
    )

    # As the documentation says to use it: `set -a; eval "$(lwa-loopback token --format ...)"`.
    done = subprocess.run(
        ["sh", "-c", 'set -a; eval "$1"; set +a; exec env', "sh", script],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    exported = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert {name: exported[name] for name in exported if name[:3] in ("LWA", "SP_", "AD_")} == {
        "LWA_APP_ID": tokens.client_id,
        "LWA_CLIENT_SECRET": SECRET,
        "SP_API_REFRESH_TOKEN": tokens.refresh_token,
        "AD_API_CLIENT_ID": tokens.client_id,
        "AD_API_CLIENT_SECRET": SECRET,
        "AD_API_REFRESH_TOKEN": tokens.refresh_token,
        "AD_API_PROFILE_ID": "42",
    }
    assert done.stderr == ""  # nothing in the values ran as a command


@pytest.mark.parametrize("form", LIBRARY_FORMATS)
def test_an_expired_access_token_is_no_matter_and_nothing_is_asked(
    fake_lwa: FakeLWA, token_file: Path, form: str
) -> None:
    tokens = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    before = token_file.read_bytes()

    output = printed(token_file, form, secret="s")

    assert str(tokens.refresh_token) in output
    assert tokens.access_token not in output  # the libraries get their own
    assert fake_lwa.requests == []
    assert token_file.read_bytes() == before


@pytest.mark.parametrize("grant", [CLIENT_CREDENTIALS, SELLING_PARTNER])
def test_a_file_without_a_refresh_token_cannot_serve_them(
    fake_lwa: FakeLWA, token_file: Path, grant: Grant
) -> None:
    tokens = make_token_file(fake_lwa, token_file, with_refresh_token=False)
    write_token_file(token_file, dataclasses.replace(tokens, grant=grant.stored))

    result = run("token", "--file", str(token_file), "--format", "sp-api-env", secret="s")

    assert (result.exit_code, result.stdout) == (8, "")
    assert "holds no refresh token, which --format sp-api-env prints" in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--format", "header", "--ads-profile-id", "42"], "is for --format ad-api-env or"),
        (["--format", "ad-api-env", "--ads-profile-id", "42; rm"], "is not an Ads profile id"),
        (["--format", "ad-api-env", "--ads-profile-id", FULLWIDTH_42], "is not an Ads profile id"),
        (["--format", "ad-api-env", "--ads-profile-id", "1" * 21], "is not an Ads profile id"),
    ],
)
def test_a_bad_profile_id_is_a_usage_error_before_the_file_is_read(
    tmp_path: Path, args: list[str], said: str
) -> None:
    result = run("token", "--file", str(tmp_path / "missing.json"), *args)

    assert (result.exit_code, result.stdout) == (2, "")
    assert f"error: --ads-profile-id {said}" in result.stderr


def test_a_secret_that_cannot_be_one_line_is_refused_only_where_it_is_printed(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    refused = run("token", "--file", str(token_file), "--format", "sp-api-env", secret="a\nb")
    kept = run("token", "--file", str(token_file), "--format", "raw", secret="a\nb")

    assert (refused.exit_code, refused.stdout) == (2, "")
    assert "the client secret holds white space or control characters" in refused.stderr
    assert kept.stdout == tokens.access_token + "\n"


def test_a_client_id_that_cannot_be_one_line_is_not_printed(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    data = make_token_file(fake_lwa, token_file).to_json()
    token_file.write_text(json.dumps({**data, "client_id": "amzn1.x\n\x1b[2Jevil"}))

    result = run("token", "--file", str(token_file), "--format", "sp-api-env", secret="s")

    assert (result.exit_code, result.stdout) == (8, "")
    assert "client_id holds white space or control characters" in result.stderr


def test_the_help_says_the_refresh_token_is_printed_and_the_secret_only_when_given() -> None:
    help_text = " ".join(run("token", "--help").stdout.split())
    assert "print the REFRESH TOKEN, a long-lived secret, on stdout" in help_text
    assert "the client secret only when given to this command (never from the file" in help_text
    assert "--ads-profile-id" in help_text


def _selling_partner_file(fake_lwa: FakeLWA, token_file: Path) -> Tokens:
    tokens = dataclasses.replace(
        make_token_file(fake_lwa, token_file),
        grant=SELLING_PARTNER.stored,
        selling_partner_id="A2EXAMPLE",
    )
    write_token_file(token_file, tokens)
    return tokens


def test_show_names_the_format_and_never_the_refresh_token(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = _selling_partner_file(fake_lwa, token_file)

    shown = run("show", "--file", str(token_file)).stdout
    as_json = run("show", "--file", str(token_file), "--json").stdout

    assert "Use with:" in shown and "--format sp-api-env` for python-amazon-sp-api" in shown
    assert "x-amz-access-token" in shown
    for output in (shown, as_json):
        assert str(tokens.refresh_token)[:12] not in output
        assert tokens.access_token[:12] not in output


def test_show_names_the_ads_format_for_an_ads_token(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    write_token_file(
        token_file, dataclasses.replace(tokens, scope="advertising::campaign_management")
    )

    shown = run("show", "--file", str(token_file)).stdout

    assert "`lwa-loopback token --format ad-api-env` for python-amazon-ad-api" in shown
    assert read_token_file(token_file).refresh_token == tokens.refresh_token
    assert str(tokens.refresh_token)[:12] not in shown


def test_show_suggests_nothing_for_other_tokens(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file)
    assert "Use with" not in run("show", "--file", str(token_file)).stdout
