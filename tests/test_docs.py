"""The documentation kept true to the code: every command, option and environment variable in
docs/cli.md, every relative link leading to a file (and heading) that exists, every Python
block valid Python, every LWA_* variable one the tool knows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from lwa_loopback._cli._main import main
from lwa_loopback._options import OPTIONS

ROOT = Path(__file__).parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_ENV_IN_HELP = re.compile(r"\[env var: (\w+)\]")


def _prose(path: Path) -> str:
    """The Markdown outside fenced code blocks."""
    return _FENCE.sub("", path.read_text())


def _name(document: Path) -> str:
    return str(document.relative_to(ROOT))


def _command_section(name: str) -> str:
    """docs/cli.md from the heading that names `lwa-loopback NAME` to the next one of its level."""
    text = _prose(CLI_DOC)
    for heading in _HEADING.finditer(text):
        if f"`lwa-loopback {name}`" in heading.group(2):
            level = len(heading.group(1))
            rest = text[heading.end() :]
            after = re.search(rf"^#{{1,{level}}}[ \t]", rest, re.MULTILINE)
            return rest if after is None else rest[: after.start()]
    raise AssertionError(f"docs/cli.md has no heading for `lwa-loopback {name}`")


def _options(command: click.Command) -> list[click.Option]:
    return [param for param in command.params if isinstance(param, click.Option)]


def _variables(option: click.Option) -> list[str]:
    """The environment variables an option reads: click's, or the one its help names."""
    declared = [option.envvar] if isinstance(option.envvar, str) else option.envvar or []
    return [str(variable) for variable in declared] + _ENV_IN_HELP.findall(option.help or "")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_and_its_options_are_in_the_cli_doc(name: str) -> None:
    section = _command_section(name)
    for option in _options(main.commands[name]):
        for flag in (*option.opts, *option.secondary_opts):
            assert f"`{flag}`" in section or f"`{flag} " in section, f"{name} {flag}"


def test_every_variable_a_command_reads_is_in_the_cli_doc() -> None:
    text = CLI_DOC.read_text()
    for command in main.commands.values():
        for option in _options(command):
            for variable in _variables(option):
                assert f"`{variable}`" in text, variable


def test_every_option_of_the_table_is_in_the_cli_doc() -> None:
    text = CLI_DOC.read_text()
    for option in OPTIONS:
        assert f"`{option.flag}`" in text, option.flag
        assert option.envvar is None or f"`{option.envvar}`" in text, option.envvar


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation (backticks too) dropped, each
    space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    """Every heading's anchor; a repeated one gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.finditer(_prose(document)):
        base = slug(heading.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def test_slugs_follow_github() -> None:
    assert slug("The device flow: `login --device`") == "the-device-flow-login---device"
    assert slug("The fake LWA server's consent page") == "the-fake-lwa-servers-consent-page"
    assert slug("`lwa-loopback token`") == "lwa-loopback-token"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_relative_link_leads_somewhere(document: Path) -> None:
    for target in _LINK.findall(_prose(document)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check here
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{_name(document)}: {target}"
        if anchor:
            assert linked.suffix == ".md", f"{_name(document)}: {target}"
            assert anchor in anchors(linked), f"{_name(document)}: {target}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_python_block_is_python(document: Path) -> None:
    # Top-level await is allowed: the notebook examples use it.
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    for block in re.findall(r"```python\n(.*?)```", document.read_text(), re.DOTALL):
        compile(block, _name(document), "exec", flags=flags)


def _known_variables() -> set[str]:
    options = (option for command in main.commands.values() for option in _options(command))
    read = {variable for option in options for variable in _variables(option)}
    formats = (ROOT / "lwa_loopback" / "_cli" / "_formats.py").read_text()
    written = set(re.findall(r"\bLWA_[A-Z_]+", formats))  # what `token --format env` prints
    return read | written


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_lwa_variable_named_is_one_the_tool_knows(document: Path) -> None:
    named = set(re.findall(r"\bLWA_[A-Z_]+", document.read_text()))
    assert named <= _known_variables(), sorted(named - _known_variables())
