"""The login options are defined once (``_options.LOGIN_OPTIONS``): ``login()``'s keyword
arguments and the ``login`` command's options correspond to it one to one."""

from __future__ import annotations

import inspect

import click
import pytest

from lwa_loopback import login, login_sync
from lwa_loopback._cli._login import login as login_command
from lwa_loopback._options import BY_NAME, LIBRARY_ONLY, LOGIN_OPTIONS, Option
from lwa_loopback._request import prepare

#: The command's own options, which the library has no use for.
CLI_ONLY = {"no_browser", "as_json"}


def test_login_takes_every_option_and_the_library_only_ones() -> None:
    parameters = inspect.signature(login).parameters
    assert set(parameters) == set(BY_NAME) | set(LIBRARY_ONLY)
    assert list(inspect.signature(login_sync).parameters) == list(parameters)


@pytest.mark.parametrize("option", LOGIN_OPTIONS, ids=lambda option: option.name)
def test_login_has_the_option_with_its_default(option: Option) -> None:
    name = option.name
    parameter = inspect.signature(login).parameters[name]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    if option.required:
        assert parameter.default is inspect.Parameter.empty
    else:
        assert parameter.default == option.default


def test_the_command_has_exactly_the_options_plus_its_own() -> None:
    names = {param.name for param in login_command.params if isinstance(param, click.Option)}
    assert names == set(BY_NAME) | CLI_ONLY


@pytest.mark.parametrize("option", LOGIN_OPTIONS, ids=lambda option: option.name)
def test_each_command_option_is_built_from_the_table(option: Option) -> None:
    [param] = [p for p in login_command.params if p.name == option.name]
    assert isinstance(param, click.Option)
    assert param.opts == [option.flag]
    assert param.envvar == option.envvar
    assert param.help == option.help
    assert param.required == option.required
    if option.kind == "flag":
        assert param.is_flag
    elif option.default is not None:
        assert param.default == option.default


def test_an_unknown_option_is_refused_like_any_keyword_argument() -> None:
    with pytest.raises(TypeError, match="redirect_url"):
        prepare(client_id="x", redirect_uri="http://127.0.0.1:0/cb", scope="p", redirect_url="y")
