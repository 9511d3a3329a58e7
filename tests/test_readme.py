"""The README's promises that CI depends on."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def setup_commands() -> list[str]:
    """The shell commands of the README's first code block."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_the_readme_opens_with_exactly_two_setup_commands() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    assert commands[0].endswith("lwa-loopback demo")
    assert "'.[test]'" in commands[1] and commands[1].endswith("pytest")


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    for command in setup_commands():
        assert command in ci


def _login_table() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## `lwa-loopback login`", 1)[1]
    return section.split("\n### ", 1)[0]


def test_the_login_table_documents_every_option_of_the_command() -> None:
    import click

    from lwa_loopback._cli._login import login

    table = _login_table()
    for param in login.params:
        if isinstance(param, click.Option):
            assert f"`{param.opts[0]}`" in table, param.opts[0]
            if param.envvar:
                assert f"`{param.envvar}`" in table, param.envvar


def test_every_option_and_variable_is_documented() -> None:
    from lwa_loopback._options import OPTIONS

    readme = (ROOT / "README.md").read_text()
    for option in OPTIONS:
        assert f"`{option.flag}`" in readme or f"`{option.flag} " in readme, option.flag
        assert option.envvar is None or f"`{option.envvar}`" in readme, option.envvar
