"""Under WSL the consent page opens in the Windows browser, through ``wslview`` or PowerShell.

No Windows here: the launchers are stub programs on PATH that record the arguments they were
given, as the Windows side would read them, and (when asked) follow the URL as a browser would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback import login, read_token_file
from lwa_loopback._browser import open_system_browser, powershell_literal, running_in_wsl
from lwa_loopback.testing import FakeLWA

from ._cli_process import Cli

# Every character that a careless hand-off to Windows breaks: `&` (cmd.exe and PowerShell
# operators), `'` (PowerShell's string quote, also its typographic forms), `%` (cmd.exe's
# variables), `$` and a backtick (PowerShell's expansion), encoded spaces and UTF-8.
HOSTILE_URL = (
    "http://127.0.0.1:9/ap/oa?client_id=amzn1.x&scope=profile%20postal_code+x"
    "&state=it's&note=%E2%9C%93&path=%PATH%&v=$env:USERNAME&t=`n&q=\u2019';Start-Process('calc');'"
)

# A launcher stub, its settings in the JSON file beside it: records which launcher ran, its
# arguments and the URL it was handed (a PowerShell stub reads its script as powershell.exe
# would), then follows the URL to its end when told to, as a browser would, and exits with the
# code it was given.
_STUB = r"""
import json, re, sys, urllib.request

with open(sys.argv[0] + ".json", encoding="utf-8") as settings:
    SETTINGS = json.load(settings)
QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell's single quotes
args = sys.argv[1:]
url = None
if SETTINGS["reads"] == "first argument":
    url = args[0]
elif args[:3] == ["-NoProfile", "-NonInteractive", "-Command"]:
    # powershell.exe joins what follows -Command into its script. A single-quoted literal holds
    # anything but a quote; a doubled quote stands for the second one.
    literal = re.fullmatch(
        "Start-Process [Q]((?:[^Q]|[Q]{2})*)[Q]".replace("Q", QUOTES), " ".join(args[3:])
    )
    if literal:
        url = re.sub("[Q]([Q])".replace("Q", QUOTES), r"\1", literal.group(1))
with open(SETTINGS["record"], "a", encoding="utf-8") as record:
    record.write(json.dumps({"launcher": SETTINGS["name"], "args": args, "url": url}) + "\n")
if SETTINGS["follow"] and url:
    # No proxy: the fake and the login listen on 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(url, timeout=30).read()
sys.exit(SETTINGS["exit_code"])
"""


def write_stub(path: Path, record: Path, *, exit_code: int = 0, follow: bool = False) -> None:
    """An executable at ``path`` that reads its URL as the launcher of that name does (a
    ``BROWSER`` command, as wslview does: its first argument)."""
    reads = "powershell script" if path.name == "powershell.exe" else "first argument"
    settings = {
        "name": path.name,
        "reads": reads,
        "record": str(record),
        "exit_code": exit_code,
        "follow": follow,
    }
    Path(f"{path}.json").write_text(json.dumps(settings))
    path.write_text(f"#!{sys.executable}{_STUB}")
    path.chmod(0o755)


class Launchers:
    """A folder to put on PATH, holding launcher stubs, and what they recorded."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir()
        self.record = folder.parent / "launched.jsonl"

    def add(self, name: str, *, exit_code: int = 0, follow: bool = False) -> None:
        write_stub(self.folder / name, self.record, exit_code=exit_code, follow=follow)

    @property
    def launched(self) -> list[dict[str, Any]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def environ(self, **values: str) -> dict[str, str]:
        return {"PATH": str(self.folder), "WSL_DISTRO_NAME": "Test", **values}


@pytest.fixture
def launchers(tmp_path: Path) -> Launchers:
    return Launchers(tmp_path / "bin")


@pytest.fixture
def plain_linux(tmp_path: Path) -> Path:
    """An osrelease file that names no WSL kernel: WSL is told by the environment alone."""
    path = tmp_path / "osrelease"
    path.write_text("6.8.0-45-generic\n")
    return path


@pytest.mark.parametrize(
    ("environ", "osrelease", "wsl"),
    [
        ({"WSL_DISTRO_NAME": "Ubuntu"}, "6.8.0-45-generic", True),
        ({"WSL_INTEROP": "/run/WSL/8_interop"}, "6.8.0-45-generic", True),
        ({}, "5.15.153.1-microsoft-standard-WSL2", True),
        ({}, "4.4.0-19041-Microsoft", True),  # WSL 1
        ({"WSL_DISTRO_NAME": ""}, "6.8.0-45-generic", False),
        ({}, "6.8.0-45-generic", False),
        ({}, None, False),  # no such file: not Linux
    ],
)
def test_wsl_is_told_by_its_variables_or_its_kernel(
    tmp_path: Path, environ: dict[str, str], osrelease: str | None, wsl: bool
) -> None:
    path = tmp_path / "osrelease"
    if osrelease is not None:
        path.write_text(osrelease + "\n")
    assert running_in_wsl(environ, path) is wsl


async def test_the_exact_url_reaches_wslview(launchers: Launchers, plain_linux: Path) -> None:
    launchers.add("wslview")

    opened = await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert opened
    assert launchers.launched == [
        {"launcher": "wslview", "args": [HOSTILE_URL], "url": HOSTILE_URL}
    ]


async def test_the_exact_url_reaches_powershell_as_one_literal(
    launchers: Launchers, plain_linux: Path
) -> None:
    launchers.add("powershell.exe")

    opened = await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert opened
    (launch,) = launchers.launched
    assert launch["args"] == [
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        "Start-Process",
        powershell_literal(HOSTILE_URL),
    ]
    assert launch["url"] == HOSTILE_URL  # one literal, the whole script: nothing else runs


def test_what_the_windows_command_line_would_parse_is_percent_encoded() -> None:
    # Never valid in a URL as sent; on the Windows command line a quote would be stripped and a
    # space would split the argument.
    assert powershell_literal('http://h/?a=b c"d\te') == "'http://h/?a=b%20c%22d%09e'"
    assert powershell_literal("http://h/?a='\u2018") == "'http://h/?a=''\u2018\u2018'"


async def test_wslview_comes_before_powershell(launchers: Launchers, plain_linux: Path) -> None:
    launchers.add("wslview")
    launchers.add("powershell.exe")

    assert await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert [launch["launcher"] for launch in launchers.launched] == ["wslview"]


async def test_a_failing_wslview_falls_back_to_powershell(
    launchers: Launchers, plain_linux: Path
) -> None:
    launchers.add("wslview", exit_code=1)
    launchers.add("powershell.exe")

    assert await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert [launch["launcher"] for launch in launchers.launched] == ["wslview", "powershell.exe"]
    assert [launch["url"] for launch in launchers.launched] == [HOSTILE_URL] * 2


async def test_a_launcher_that_cannot_start_hands_over_to_the_next(
    launchers: Launchers, plain_linux: Path
) -> None:
    # As with WSL's interop switched off: the Windows program is there, but cannot be run.
    unrunnable = launchers.folder / "wslview"
    unrunnable.write_bytes(b"MZ\x90\x00 not a Linux program")
    unrunnable.chmod(0o755)
    launchers.add("powershell.exe")

    assert await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )

    assert [launch["launcher"] for launch in launchers.launched] == ["powershell.exe"]


async def test_with_every_launcher_failing_or_missing_nothing_is_opened(
    launchers: Launchers, plain_linux: Path
) -> None:
    assert not await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )
    launchers.add("wslview", exit_code=1)
    launchers.add("powershell.exe", exit_code=1)
    assert not await open_system_browser(
        HOSTILE_URL, environ=launchers.environ(), osrelease=plain_linux
    )
    assert [launch["launcher"] for launch in launchers.launched] == ["wslview", "powershell.exe"]


async def test_a_login_completes_through_powershell(
    launchers: Launchers, plain_linux: Path, options: dict[str, Any], token_file: Path
) -> None:
    launchers.add("powershell.exe", follow=True)
    opened: list[bool] = []

    async def windows_browser(url: str) -> None:
        opened.append(
            await open_system_browser(url, environ=launchers.environ(), osrelease=plain_linux)
        )

    tokens = await login(**{**options, "open_browser": windows_browser})

    assert opened == [True]
    assert read_token_file(token_file).access_token == tokens.access_token


async def test_the_command_signs_in_through_wslview(
    cli: Cli, launchers: Launchers, lwa: FakeLWA
) -> None:
    launchers.add("wslview", follow=True)
    launchers.add("powershell.exe")
    cli.env.pop("BROWSER", None)
    # scope_data: JSON, so the URL holds percent-escapes
    cli.env.update(launchers.environ(LWA_SCOPE_DATA='{"profile": {"essential": false}}'))

    await cli.start("login")
    url = await cli.consent_url()
    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert "No browser could be opened" not in done.stderr
    assert launchers.launched == [{"launcher": "wslview", "args": [url], "url": url}]
    assert "&" in url and "%" in url
    assert read_token_file(cli.default_file).client_id == lwa.client_id


async def test_browser_wins_under_wsl_too(cli: Cli, launchers: Launchers, tmp_path: Path) -> None:
    launchers.add("wslview")
    launchers.add("powershell.exe")
    browser = tmp_path / "my-browser"
    write_stub(browser, tmp_path / "browser.jsonl", follow=True)
    cli.env.update(launchers.environ(BROWSER=str(browser)))

    await cli.start("login")
    url = await cli.consent_url()
    done = await cli.finish()

    assert done.exit_code == 0, done.stderr
    assert launchers.launched == []
    assert json.loads((tmp_path / "browser.jsonl").read_text())["url"] == url
