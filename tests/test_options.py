"""The options are defined once (``_options.OPTIONS``): each flow's keyword arguments and each
command's options correspond to it one to one."""

from __future__ import annotations

import inspect
from collections.abc import Callable
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
from lwa_loopback._login_start import prepare
from lwa_loopback._options import LIBRARY_ONLY, OPTIONS, Option, options_of

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
        assert param.help == option.help + (" [required]" if option.required else "")
        assert not param.required
        if option.kind == "flag":
            assert param.is_flag
        elif option.default is not None:
            assert param.default == option.default


def test_every_option_is_taken_by_some_flow() -> None:
    assert all(option.flows <= set(FLOWS) and option.flows for option in OPTIONS)


def test_an_unknown_option_is_refused_like_any_keyword_argument() -> None:
    with pytest.raises(TypeError, match="redirect_url"):
        prepare(client_id="x", redirect_uri="http://127.0.0.1:0/cb", scope="p", redirect_url="y")
