"""The click options of the commands, built from the one table (``_options.OPTIONS``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import click

from .._defaults import MAX_SECONDS
from .._options import (
    OPTIONS,
    ClientCredentialsOptions,
    DeviceOptions,
    ImportOptions,
    LoginOptions,
    Option,
)
from .._regions import REGIONS

T = TypeVar("T", LoginOptions, DeviceOptions, ClientCredentialsOptions, ImportOptions)

SECONDS = click.FloatRange(min=0, min_open=True, max=MAX_SECONDS)
_PATH = click.Path(dir_okay=False, path_type=Path)


def click_option(
    option: Option, flows: tuple[str, ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click option for one option of ``flows``: same name, default, help and variable."""
    settings: dict[str, Any] = {
        "help": option.help_in(flows),
        "envvar": option.envvar,
        "show_envvar": option.envvar is not None,
    }
    if option.kind == "flag":
        settings.update(envvar=None, show_envvar=False)
    elif option.kind == "several":
        settings.update(multiple=True)
    elif option.kind == "path":
        settings.update(type=_PATH)
    elif option.kind == "seconds":
        settings.update(type=SECONDS, metavar="SECONDS")
    elif option.kind == "region":
        settings.update(type=click.Choice(list(REGIONS)))
    if option.default is not None and option.kind != "flag":
        settings.update(default=option.default, show_default=True)
    if option.required:
        # Checked by the library, in its words, so that a profile can supply it.
        settings["help"] = settings["help"] + " [required, or from --profile]"
    if option.kind == "flag":  # --x/--no-x: a value saved in a profile can be turned off
        return click.option(f"{option.flag}/--no-{option.flag[2:]}", option.name, **settings)
    return click.option(option.flag, option.name, **settings)


def add_options(*flows: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a command with every option the ``flows`` take, in the table's order."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(OPTIONS):
            if option.flows & set(flows):
                command = click_option(option, flows)(command)
        return command

    return decorate


def warn_if_secret_on_command_line() -> None:
    """A secret typed as a flag lands in the shell's history and in `ps`, where any local user
    reads it: said each time, and the command goes on."""
    from ._output import say
    from ._profiles import given_on_command_line

    if given_on_command_line("client_secret"):
        say(
            "warning: --client-secret on the command line is kept in the shell's history and "
            "shown by `ps` to every user of this machine: set LWA_CLIENT_SECRET instead."
        )


def option_values() -> dict[str, Any]:
    """The running command's values of the table's options, by name (click's own mapping of
    its parameters): what a profile's saved settings are merged into."""
    params = click.get_current_context().params
    return {option.name: params[option.name] for option in OPTIONS if option.name in params}


def taken_by(kind: type[T], values: dict[str, Any]) -> T:
    """The command's values of the options that ``kind`` (a flow's options type) holds: the
    device flow has no redirect_uri, a browser sign-in no codepair_url."""
    return kind(**{item.name: values[item.name] for item in fields(kind)})
