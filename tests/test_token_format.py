"""``lwa-loopback token --format raw|header|json|env|sp-api-header``: the same access token, in
the shape a script needs.

The quick path prints the very same text (tests/test_quick_token.py); here, what each format is.
The formats for python-amazon-sp-api and python-amazon-ad-api: tests/test_library_formats.py.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import Tokens, read_token_file, write_token_file
from lwa_loopback._cli._formats import ALL_FORMATS, render
from lwa_loopback._grants import CLIENT_CREDENTIALS, IMPORTED, SELLING_PARTNER
from lwa_loopback._token_json import iso
from lwa_loopback.testing import FakeLWA

from ._token_files import EXPIRED_AGE, cli_env, make_token_file
from .test_token_cli import invoke

# What a shell must not read as its own: a quote, `$`, a backtick, `|` and `;`.
SELLING_PARTNER_ID = "A2EX'AMPLE$HOME`id`|;"


def with_selling_partner(fake_lwa: FakeLWA, token_file: Path) -> Tokens:
    tokens = dataclasses.replace(
        make_token_file(fake_lwa, token_file), selling_partner_id=SELLING_PARTNER_ID
    )
    write_token_file(token_file, tokens)
    return tokens


def token_output(token_file: Path, form: str, client_secret: str | None = None) -> str:
    result = invoke(
        "token", "--file", str(token_file), "--format", form, client_secret=client_secret
    )
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


def test_raw_is_the_token_alone_as_before(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    assert token_output(token_file, "raw") == tokens.access_token + "\n"


def test_header_is_an_authorization_header(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    assert token_output(token_file, "header") == f"Authorization: Bearer {tokens.access_token}\n"


def _rewritten(token_file: Path, tokens: Tokens, **changes: Any) -> Tokens:
    changed = dataclasses.replace(tokens, **changes)
    write_token_file(token_file, changed)
    return changed


@pytest.mark.parametrize(
    "changes",
    [
        {"grant": SELLING_PARTNER.stored},  # a Seller Central sign-in
        {
            "grant": IMPORTED.stored,
            "selling_partner_id": "A2EXAMPLE",
        },  # import --selling-partner-id
        {"grant": CLIENT_CREDENTIALS.stored, "scope": "sellingpartnerapi::notifications"},
    ],
    ids=["seller-central", "imported-with-a-selling-partner", "grantless"],
)
def test_header_is_x_amz_access_token_for_the_selling_partner_api(
    fake_lwa: FakeLWA, token_file: Path, changes: dict[str, str]
) -> None:
    tokens = _rewritten(token_file, make_token_file(fake_lwa, token_file), **changes)

    expected = f"x-amz-access-token: {tokens.access_token}\n"
    assert token_output(token_file, "header") == expected
    assert token_output(token_file, "sp-api-header") == expected


@pytest.mark.parametrize(
    "changes",
    [{}, {"grant": CLIENT_CREDENTIALS.stored, "scope": "appstore::apps:readwrite"}],
    ids=["browser-sign-in", "appstore-client-credentials"],
)
def test_header_stays_bearer_for_other_tokens_and_sp_api_header_does_not(
    fake_lwa: FakeLWA, token_file: Path, changes: dict[str, str]
) -> None:
    tokens = _rewritten(token_file, make_token_file(fake_lwa, token_file), **changes)

    assert token_output(token_file, "header") == f"Authorization: Bearer {tokens.access_token}\n"
    assert token_output(token_file, "sp-api-header") == (
        f"x-amz-access-token: {tokens.access_token}\n"
    )


def test_json_is_one_line_with_the_type_and_the_expiry(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    output = token_output(token_file, "json")

    assert output.count("\n") == 1 and output.endswith("\n")
    assert json.loads(output) == {
        "access_token": tokens.access_token,
        "token_type": "bearer",
        "expires_at": json.loads(token_file.read_text())["expires_at"],  # the file's form
    }


def test_json_carries_the_selling_partner_when_the_file_does(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    with_selling_partner(fake_lwa, token_file)
    assert json.loads(token_output(token_file, "json"))["selling_partner_id"] == SELLING_PARTNER_ID


def test_env_is_one_assignment_per_value(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    assert token_output(token_file, "env") == f"LWA_ACCESS_TOKEN='{tokens.access_token}'\n"

    tokens = with_selling_partner(fake_lwa, token_file)
    assert token_output(token_file, "env").splitlines() == [
        f"LWA_ACCESS_TOKEN='{tokens.access_token}'",
        "LWA_SELLING_PARTNER_ID='A2EX'\\''AMPLE$HOME`id`|;'",
    ]


def test_a_shell_evaluates_env_back_to_the_exact_values(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = with_selling_partner(fake_lwa, token_file)
    assert "|" in tokens.access_token

    # As the documentation says to use it: `set -a; eval "$(lwa-loopback token --format env)"`.
    done = subprocess.run(
        ["sh", "-c", 'set -a; eval "$1"; set +a; exec env', "sh", token_output(token_file, "env")],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    exported = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert exported["LWA_ACCESS_TOKEN"] == tokens.access_token
    assert exported["LWA_SELLING_PARTNER_ID"] == SELLING_PARTNER_ID
    assert done.stderr == ""  # nothing in the values ran as a command


def test_a_refreshed_token_is_printed_with_its_new_expiry(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    old = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)

    answer = json.loads(token_output(token_file, "json", client_secret=fake_lwa.client_secret))

    new = read_token_file(token_file)
    assert new.access_token != old.access_token
    assert answer == {
        "access_token": new.access_token,
        "token_type": new.token_type,
        "expires_at": iso(new.expires_at),
    }
    assert len(fake_lwa.token_requests) == 1


def test_an_unknown_format_is_a_usage_error(fake_lwa: FakeLWA, token_file: Path) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    result = invoke("token", "--file", str(token_file), "--format", "xml")

    assert result.exit_code == 2
    assert "'xml' is not one of " + ", ".join(f"'{form}'" for form in ALL_FORMATS) in result.stderr
    assert tokens.access_token not in result.stdout


@pytest.mark.parametrize("form", ["xml", "JSON", ""])
def test_the_program_hands_an_unknown_format_to_the_full_command(
    fake_lwa: FakeLWA, token_file: Path, form: str
) -> None:
    tokens = make_token_file(fake_lwa, token_file)

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lwa_loopback",
            "token",
            "--file",
            str(token_file),
            f"--format={form}",
        ],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "Invalid value for '--format'" in done.stderr
    assert tokens.access_token not in done.stdout + done.stderr


def test_the_formatter_names_the_formats_it_knows() -> None:
    with pytest.raises(ValueError, match="raw, header, json, env"):
        render(
            "xml",
            access_token="Atza|x",
            token_type="bearer",
            expires_at=datetime.now(timezone.utc),
            selling_partner_id=None,
        )
