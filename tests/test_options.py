"""The options are defined once (``_options.OPTIONS``): each flow's keyword arguments and each
command's options correspond to it one to one."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from lwa_loopback import (
    client_credentials,
    client_credentials_sync,
    import_refresh_token,
    import_refresh_token_sync,
    login,
    login_device,
    login_device_sync,
    login_sync,
)
from lwa_loopback._cli._login import login as login_command
from lwa_loopback._cli._other_grants import client_credentials as client_credentials_command
from lwa_loopback._cli._other_grants import import_ as import_command
from lwa_loopback._grants import CLIENT_CREDENTIALS_FLOW as CLIENT_CREDENTIALS
from lwa_loopback._grants import DEVICE, IMPORT, LOGIN
from lwa_loopback._options import (
    LIBRARY_ONLY,
    OPTIONS,
    TYPES,
    LoginOptions,
    Option,
    options_of,
)

FLOWS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    LOGIN: (login, login_sync),
    DEVICE: (login_device, login_device_sync),
    CLIENT_CREDENTIALS: (client_credentials, client_credentials_sync),
    IMPORT: (import_refresh_token, import_refresh_token_sync),
}
#: Each command, the flows whose options it takes, and its own options.
COMMANDS: list[tuple[click.Command, tuple[str, ...], set[str]]] = [
    (login_command, (LOGIN, DEVICE), {"device", "profile", "no_browser", "as_json"}),
    (client_credentials_command, (CLIENT_CREDENTIALS,), {"profile", "as_json"}),
    (import_command, (IMPORT,), {"profile", "as_json"}),
]
EVERY = [(flow, option) for flow in FLOWS for option in options_of(flow)]


@pytest.mark.parametrize("flow", FLOWS)
def test_each_flow_takes_its_options_and_the_library_only_ones(flow: str) -> None:
    function, synced = FLOWS[flow]
    parameters = inspect.signature(function).parameters
    assert set(parameters) == {o.name for o in options_of(flow)} | set(LIBRARY_ONLY[flow])
    assert list(inspect.signature(synced).parameters) == list(parameters)
    assert function.__name__ == flow


@pytest.mark.parametrize(("flow", "option"), EVERY, ids=lambda x: getattr(x, "name", x))
def test_each_flow_has_the_option_with_its_default(flow: str, option: Option) -> None:
    parameter = inspect.signature(FLOWS[flow][0]).parameters[option.name]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    if option.required:
        assert parameter.default is inspect.Parameter.empty
    else:
        assert parameter.default == option.default


@pytest.mark.parametrize(
    ("command", "flows", "own"), COMMANDS, ids=lambda x: getattr(x, "name", "")
)
def test_each_command_has_exactly_its_flows_options_plus_its_own(
    command: click.Command, flows: tuple[str, ...], own: set[str]
) -> None:
    names = {param.name for param in command.params if isinstance(param, click.Option)}
    assert names == {o.name for flow in flows for o in options_of(flow)} | own


@pytest.mark.parametrize("option", OPTIONS, ids=lambda option: option.name)
def test_each_command_option_is_built_from_the_table(option: Option) -> None:
    for command, flows, _ in COMMANDS:
        if not option.flows & set(flows):
            continue
        [param] = [p for p in command.params if p.name == option.name]
        assert isinstance(param, click.Option)
        assert param.opts == [option.flag]
        assert param.envvar == (None if option.kind == "flag" else option.envvar)
        # Required options are checked by the library, so that a profile can supply them.
        required = " [required, or from --profile]" if option.required else ""
        assert param.help == option.help_in(flows) + required
        assert not param.required
        if option.kind == "flag":
            assert param.is_flag
        elif option.default is not None:
            assert param.default == option.default


@pytest.mark.parametrize("flow", FLOWS)
def test_each_flows_options_type_holds_its_options_with_their_defaults(flow: str) -> None:
    fields = {field.name: field for field in dataclasses.fields(TYPES[flow])}
    assert set(fields) == {option.name for option in options_of(flow)}
    for option in options_of(flow):
        expected = dataclasses.MISSING if option.required else option.default
        assert fields[option.name].default == expected, option.name


@pytest.mark.parametrize(
    ("command", "flows", "own"), COMMANDS, ids=lambda x: getattr(x, "name", "")
)
def test_each_command_names_its_options_in_its_signature(
    command: click.Command, flows: tuple[str, ...], own: set[str]
) -> None:
    """A reader sees a command's options in its function's signature, not only in the table."""
    assert command.callback is not None
    callback = inspect.unwrap(command.callback)
    names = set(inspect.signature(callback).parameters)
    assert names == {o.name for flow in flows for o in options_of(flow)} | own


def test_mypy_catches_a_misspelt_option(tmp_path: Path) -> None:
    """The options are typed: a misspelt name is caught before anything runs."""
    api = pytest.importorskip("mypy.api")
    checked = tmp_path / "misspelt.py"
    checked.write_text(
        "from lwa_loopback._options import LoginOptions\n"
        "options = LoginOptions(client_id='x', redirect_url='http://127.0.0.1:8080/cb')\n"
        "print(options.redirect_url)\n"
    )
    out, _, status = api.run(
        ["--strict", "--no-incremental", "--follow-imports=silent", str(checked)]
    )
    assert status == 1
    assert 'Unexpected keyword argument "redirect_url"' in out
    assert '"LoginOptions" has no attribute "redirect_url"' in out


def test_every_option_is_taken_by_some_flow() -> None:
    assert all(option.flows <= set(FLOWS) and option.flows for option in OPTIONS)


def test_an_unknown_option_is_refused_like_any_keyword_argument() -> None:
    wrong: dict[str, Any] = {"client_id": "x", "redirect_url": "y"}
    with pytest.raises(TypeError, match="redirect_url"):
        LoginOptions(**wrong)
