"""The parameters a message names are data on its exception (``LoginError.parameters``; and
``ConfigurationError.parameter``, the one at fault): the command line names its flags from
them, never by guessing in the text. Checked in the source, for every message written, and
through the command line, for what a person reads."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import lwa_loopback
from lwa_loopback import ConfigurationError, ExchangeError, NetworkError
from lwa_loopback._cli._main import main
from lwa_loopback._cli._output import FLAGS, in_flags
from lwa_loopback._grants import GRANTS, LWA_DEVICE, RFC8628_DEVICE, Advice, refresh_advice
from lwa_loopback._options import OPTIONS
from lwa_loopback.testing import FakeLWA

from ._token_files import refused_token_url

PACKAGE = Path(lwa_loopback.__file__).parent
#: Every name a message may write in backticks as a parameter: the options, and the few
#: arguments only ``refresh`` and ``valid_access_token`` take.
PARAMETERS = {option.name for option in OPTIONS} | {"min_valid", "lock_timeout"}
_NAMED = re.compile(r"(?<!`)`([a-z_]+)`(?!`)")
_ERRORS = {
    "ConfigurationError",
    "PasteError",
    "ConsentError",
    "LoginTimeout",
    "ExchangeError",
    "NetworkError",
    "ProxyError",
    "UnusableAnswer",
    "ListenError",
    "TokenFileError",
    "TokenFileUnusable",
    "Advice",
}


def _texts(node: ast.AST) -> Iterator[str]:
    """The literal text of a message: its strings and the fixed parts of its f-strings."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            yield inner.value


def _declared(call: ast.Call) -> set[str] | None:
    """The parameters a call declares; None when one of them is not a literal (a variable:
    ``advice.parameters``), which only a run can check."""
    declared: set[str] = set()
    for keyword in call.keywords:
        if keyword.arg not in ("parameter", "parameters"):
            continue
        if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
            declared.add(keyword.value.value)
        elif isinstance(keyword.value, ast.Tuple) and all(
            isinstance(e, ast.Constant) for e in keyword.value.elts
        ):
            declared |= {str(e.value) for e in keyword.value.elts if isinstance(e, ast.Constant)}
        else:
            return None
    return declared


def _undeclared(path: Path, root: Path = PACKAGE) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in _ERRORS:
            continue
        message = [text for arg in node.args for text in _texts(arg)]
        if name == "Advice":
            message = [t for k in node.keywords if k.arg != "parameters" for t in _texts(k.value)]
        named = {m for text in message for m in _NAMED.findall(text)} & PARAMETERS
        declared = _declared(node)
        if declared is not None and named - declared:
            yield f"{path.relative_to(root)}:{node.lineno} {sorted(named - declared)}"


def test_every_message_written_declares_the_parameters_it_names() -> None:
    found = [line for path in sorted(PACKAGE.rglob("*.py")) for line in _undeclared(path)]
    assert found == []


def test_the_check_finds_an_undeclared_parameter(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        'raise ConfigurationError("pass `token_file`", parameter="token_file")\n'
        'raise ConfigurationError("pass `token_file` or `region`", parameter="token_file")\n'
    )
    assert list(_undeclared(planted, tmp_path)) == ["planted.py:2 ['region']"]


# Named for what each advises on: the same names in every process (pytest-xdist's workers).
ADVICE = {grant.key: grant.advice for grant in GRANTS} | {
    "LWA's code pair request": LWA_DEVICE.request_advice,
    "RFC 8628's device authorization request": RFC8628_DEVICE.request_advice,
    "a refresh, rotating": refresh_advice(True),
    "a refresh, kept": refresh_advice(False),
}


@pytest.mark.parametrize("advice", ADVICE.values(), ids=ADVICE.keys())
def test_each_advice_declares_what_it_names(advice: Advice) -> None:
    texts = [advice.network, advice.server, advice.unusable]
    texts += [advice.invalid_grant, advice.invalid_client]
    named = {m for text in texts for m in _NAMED.findall(text)}
    assert named <= set(advice.parameters)


def test_the_refresh_advice_names_nothing_refresh_lacks() -> None:
    # ``refresh`` has a token file and a client secret: no region, token_url or scope.
    for advice in (refresh_advice(None), refresh_advice(True), refresh_advice(False)):
        assert advice.parameters == ()


def test_the_flag_comes_from_the_parameter_not_from_the_text() -> None:
    error = ConfigurationError(
        "Choose another path (`token_file`), not `region`.", parameter="token_file"
    )

    assert error.parameter == "token_file" and error.parameters == ("token_file",)
    assert str(error) == "Choose another path (`token_file`), not `region`."  # the library's words
    assert in_flags(str(error), error.parameters) == "Choose another path (--out), not `region`."
    # A description from the network that happens to hold a name is left as it came.
    refused = ExchangeError("x said `token_url`: check `scope`.", parameters=("scope",))
    assert in_flags(str(refused), refused.parameters, FLAGS) == "x said `token_url`: check --scope."


def test_every_option_has_its_flag() -> None:
    assert FLAGS["token_file"] == "--out" and FLAGS["codepair_url"] == "--codepair-url"
    assert FLAGS["client_auth"] == "--client-auth"


@pytest.mark.parametrize(
    ("args", "parameter", "flag"),
    [
        (["--out", "/proc/no-such-dir/tokens.json"], "token_file", "--out"),
        (["--client-auth", "digest"], "client_auth", "--client-auth"),
        (["--client-id", " "], "client_id", "--client-id"),
        (["--token-url", "http://id.example/token"], "token_url", "--token-url"),
    ],
)
def test_the_command_line_names_the_flag_of_the_parameter(
    fake_lwa: FakeLWA, tmp_path: Path, args: list[str], parameter: str, flag: str
) -> None:
    base = ["client-credentials", "--client-id", fake_lwa.client_id]
    base += [
        "--scope",
        "x::y",
        "--token-url",
        fake_lwa.token_url,
        "--out",
        str(tmp_path / "t.json"),
    ]
    env = {"LWA_REGION": None, "LWA_CLIENT_SECRET": "s"}
    result = CliRunner().invoke(main, [*base, *args], env=env)

    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ")  # the library's message, not click's
    assert flag in result.output and f"`{parameter}`" not in result.output
    assert fake_lwa.token_requests == []


async def test_library_users_see_the_parameter(fake_lwa: FakeLWA) -> None:
    with pytest.raises(ConfigurationError) as caught:
        await lwa_loopback.client_credentials(
            client_id=fake_lwa.client_id,
            client_secret="s",
            scope="x::y",
            token_url=fake_lwa.token_url,
            client_auth="digest",
        )

    assert caught.value.parameter == "client_auth"
    assert "`client_auth`" in str(caught.value) and "--client-auth" not in str(caught.value)


async def test_a_network_error_names_the_flags_of_its_advice() -> None:
    with refused_token_url() as url, pytest.raises(NetworkError) as caught:
        await lwa_loopback.client_credentials(
            client_id="amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            client_secret="s",
            scope="x::y",
            token_url=url,
        )
    error = caught.value
    assert set(error.parameters) >= {"region", "token_url"}
    assert "`token_url`" in str(error)
    assert "--token-url" in in_flags(str(error), error.parameters)
