"""The quick path of ``lwa-loopback token``: the same answers as the full command, less work."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lwa_loopback import TokenFileUnusable, read_token_file
from lwa_loopback._cli._formats import ALL_FORMATS, LIBRARY_FORMATS
from lwa_loopback._cli._main import main
from lwa_loopback._cli._quick import quick_output, still_valid_token
from lwa_loopback._grants import AUTHORIZATION_CODE, BY_STORED
from lwa_loopback.testing import FakeLWA

from ._token_files import EXPIRED_AGE, cli_env, make_token_file

NOW = datetime.now(timezone.utc)
GOOD: dict[str, Any] = {
    "access_token": "Atza|quick",
    "refresh_token": "Atzr|r",
    "token_type": "bearer",
    "expires_in": 3600,
    "obtained_at": "2026-01-01T00:00:00Z",
    "scope": "profile",
    "client_id": "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
    "region": "na",
    # A closed loopback port: should the full command ever decide to refresh, it asks nobody.
    "token_url": "http://127.0.0.1:9/auth/o2/token",
    "selling_partner_id": "A2EXAMPLE'|$x",  # a quote and shell characters, for --format env
    "grant": AUTHORIZATION_CODE.stored,
}
# Values a token file's fields may hold: the right kind, and the wrong kinds.
ODD_VALUES = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.text(max_size=12),
    st.booleans(),
    st.sampled_from(["3600", "3600.0", "", "2026-01-01T00:00:00", "not a date"]),
)


def full_command_output(
    path: Path,
    min_valid: int,
    form: str,
    *more: str,
    client_secret: str | None = None,
) -> str | None:
    """What the full ``token`` command prints without asking LWA (with ``LWA_CLIENT_SECRET``
    set to ``client_secret``), or None when it would ask LWA or fail."""
    if form not in LIBRARY_FORMATS:  # those never ask LWA: the access token is not theirs
        try:
            tokens = read_token_file(path)
        except TokenFileUnusable:
            return None
        if tokens.expires_within(min_valid):
            return None
    result = CliRunner().invoke(
        main,
        ["token", "--file", str(path), "--min-valid", str(min_valid), "--format", form, *more],
        env={"LWA_TOKEN_FILE": None, "LWA_CLIENT_SECRET": client_secret},
    )
    if result.exit_code == 0:
        assert result.stderr == "", result.output
        return result.stdout
    # A usage error (the secret or the Ads profile id), or a file that cannot serve the format.
    assert result.exit_code in (2, 8), result.output
    assert result.stdout == ""
    return None


def decided_alike_a_moment_apart(path: Path, min_valid: int) -> bool:
    """Whether the file's token counts as expiring (or not) a few seconds either way: the two
    paths read the clock moments apart, and an example on the very edge would pit one moment
    against the other rather than one path against the other."""
    try:
        tokens = read_token_file(path)
    except TokenFileUnusable:
        return True
    now = datetime.now(timezone.utc)
    moments = (now - timedelta(seconds=3), now, now + timedelta(seconds=3))
    return len({tokens.expires_within(min_valid, now=moment) for moment in moments}) == 1


# The LWA_CLIENT_SECRET a run may have: none, empty (unset, to click), a usual one, one with a
# quote and shell characters, and ones that cannot be printed as one value.
SECRETS = st.sampled_from([None, "", "amzn1.oa2-cs.v1.x", "it's$x|", "a b", "a\x1bb"])
# --ads-profile-id: absent, an id, and ones that are not.
PROFILE_IDS = st.sampled_from([None, "42", "4 2", "x", "1" * 21])


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    age=st.integers(-7200, 7200),
    min_valid=st.integers(0, 4000),
    broken=st.dictionaries(st.sampled_from(sorted(GOOD)), ODD_VALUES, max_size=3),
    dropped=st.sets(st.sampled_from(sorted(GOOD)), max_size=2),
    grant=st.sampled_from(sorted(BY_STORED)),
    scope=st.sampled_from(["profile", "sellingpartnerapi::notifications", "advertising::x"]),
    client_secret=SECRETS,
    ads_profile_id=PROFILE_IDS,
)
def test_the_quick_path_answers_as_the_full_command_or_not_at_all(
    tmp_path: Path,
    age: int,
    min_valid: int,
    broken: dict[str, Any],
    dropped: set[str],
    grant: str,
    scope: str,
    client_secret: str | None,
    ads_profile_id: str | None,
) -> None:
    data = {
        **GOOD,
        "obtained_at": (NOW - timedelta(seconds=age)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "grant": grant,
        "scope": scope,
        **broken,
    }
    for name in dropped:
        data.pop(name, None)
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(data))
    assume(decided_alike_a_moment_apart(path, min_valid))
    more = [] if ads_profile_id is None else ["--ads-profile-id", ads_profile_id]
    environ = {} if client_secret is None else {"LWA_CLIENT_SECRET": client_secret}

    for form in ALL_FORMATS:
        args = ["token", "--file", str(path), "--min-valid", str(min_valid), "--format", form]
        expected = full_command_output(path, min_valid, form, *more, client_secret=client_secret)
        assert quick_output([*args, *more], environ) == expected, form


@pytest.mark.parametrize(
    ("args", "understood"),
    [
        (["token"], True),
        (["token", "--file", "F"], True),
        (["token", "--file=F", "--min-valid=10"], True),
        (["token", "--min-valid", "10", "--file", "F"], True),
        (["token", "--format", "header", "--file", "F"], True),
        (["token", "--format=env", "--min-valid=0"], True),
        (["token", "--min-valid", "-1"], False),
        (["token", "--min-valid", "ten"], False),
        (["token", "--file"], False),
        (["token", "--file="], False),
        (["token", "--file", "F", "--file", "G"], False),
        (["token", "--format", "xml"], False),  # click says what is wrong with it
        (["token", "--format", "JSON"], False),
        (["token", "--format="], False),
        (["token", "--format", "raw", "--format", "json"], False),
        (["token", "--client-secret", "s"], False),
        (["token", "--help"], False),
        (["show"], False),
        ([], False),
    ],
)
def test_only_plain_token_calls_take_the_quick_path(
    fake_lwa: FakeLWA, token_file: Path, args: list[str], understood: bool
) -> None:
    tokens = make_token_file(fake_lwa, token_file)
    env = {"LWA_TOKEN_FILE": str(token_file)}
    args = [str(token_file) if a == "F" else a.replace("=F", f"={token_file}") for a in args]
    expected = tokens.access_token if understood else None
    assert still_valid_token(args, env) == expected
    assert (quick_output(args, env) is None) is not understood


@pytest.mark.parametrize(
    ("args", "environ", "understood"),
    [
        (["token", "--format", "sp-api-env"], {}, True),
        (["token", "--format", "ad-api-env", "--ads-profile-id", "42"], {}, True),
        (["token", "--ads-profile-id=42", "--format=ad-api-env"], {}, True),
        (["token", "--format", "sp-api-json"], {}, False),  # it needs the secret
        (["token", "--format", "sp-api-json"], {"LWA_CLIENT_SECRET": "s"}, True),
        (["token", "--format", "ad-api-json"], {"LWA_CLIENT_SECRET": ""}, False),  # empty: unset
        (["token", "--format", "sp-api-env"], {"LWA_CLIENT_SECRET": "a\nb"}, False),
        (["token", "--format", "raw"], {"LWA_CLIENT_SECRET": "a\nb"}, True),  # not printed
        (["token", "--format", "sp-api-env", "--client-secret", "s"], {}, False),
        (["token", "--format", "header", "--ads-profile-id", "42"], {}, False),
        (["token", "--format", "ad-api-env", "--ads-profile-id", "4 2"], {}, False),
        (["token", "--format", "ad-api-env", "--ads-profile-id="], {}, False),
        (
            ["token", "--ads-profile-id", "1", "--ads-profile-id", "2", "--format", "ad-api-env"],
            {},
            False,
        ),
    ],
)
def test_the_library_formats_and_their_values_take_the_quick_path_when_they_can(
    fake_lwa: FakeLWA,
    token_file: Path,
    args: list[str],
    environ: dict[str, str],
    understood: bool,
) -> None:
    make_token_file(fake_lwa, token_file)
    env = {"LWA_TOKEN_FILE": str(token_file), **environ}
    assert (quick_output(args, env) is None) is not understood


def test_the_library_formats_take_the_quick_path_on_an_expired_access_token(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    tokens = make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    env = {"LWA_TOKEN_FILE": str(token_file)}

    assert quick_output(["token"], env) is None  # raw: a refresh is due
    assert str(tokens.refresh_token) in str(quick_output(["token", "--format=sp-api-env"], env))
    assert still_valid_token(["token", "--format=sp-api-env"], env) is None  # no access token


def test_the_default_path_and_the_environment_are_the_full_command_s(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    default = tmp_path / "lwa-loopback" / "tokens.json"
    tokens = make_token_file(fake_lwa, default)
    assert still_valid_token(["token"], {"XDG_CONFIG_HOME": str(tmp_path)}) == tokens.access_token


# The modules the command imported: those loaded before it ran are not its doing (coverage.py,
# when it measures the suite, loads pathlib and typing as the interpreter starts).
_REPORT = """
import runpy, sys
before = set(sys.modules)
sys.argv = ["lwa-loopback", *sys.argv[1:]]
try:
    runpy.run_module("lwa_loopback", run_name="__main__")
finally:
    print(sorted({n.split(".")[0] for n in set(sys.modules) - before} & {"click", "typing",
                 "dataclasses", "pathlib", "aiohttp", "asyncio"}), file=sys.stderr)
"""


@pytest.mark.parametrize("form", ALL_FORMATS)
def test_a_valid_token_is_printed_without_click_or_the_package(
    fake_lwa: FakeLWA, token_file: Path, form: str
) -> None:
    make_token_file(fake_lwa, token_file)
    more = ["--ads-profile-id", "42"] if form.startswith("ad-api") else []
    args = ["token", "--file", str(token_file), "--format", form, *more]
    done = subprocess.run(
        [sys.executable, "-c", _REPORT, *args],
        env=cli_env(LWA_CLIENT_SECRET="the-secret"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == full_command_output(
        token_file, 60, form, *more, client_secret="the-secret"
    )
    assert done.stderr.strip() == "[]"
    assert fake_lwa.requests == []


def test_an_expired_token_goes_to_the_full_command(fake_lwa: FakeLWA, token_file: Path) -> None:
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    done = subprocess.run(
        [sys.executable, "-c", _REPORT, "token", "--file", str(token_file)],
        env=cli_env(LWA_CLIENT_SECRET=fake_lwa.client_secret),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == read_token_file(token_file).access_token + "\n"
    assert len(fake_lwa.token_requests) == 1  # the full command refreshed it
