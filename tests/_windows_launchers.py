"""The Windows side of WSL, as far as a URL goes: stub ``wslview`` and ``powershell.exe`` programs
that read their arguments as the real ones do and record what would run besides the browser.

wslview (wslu 4.1.4, src/wslview.sh): an argument starting with "-" is one of its options (-u
and -r change the system's browser through sudo, -e edits the shell's rc files, -h and -v print
and succeed) or else goes to curl, its url_validator, which reads it as an option too. Any other
argument becomes the script ``Start "<argument>"`` that winps_exec hands to powershell.exe.

PowerShell (about_Quoting_Rules, about_Parsing): in a double-quoted string, "$" before a name,
"(" or "{" expands (``$(...)`` runs a command), a backtick escapes the next character, and any
of its four double quotes ends the string; in a single-quoted string only its five single quotes
mean anything (doubled, one stands for itself). Outside strings, ";" and line breaks separate
statements. The stubs do not run anything: they record each of these as ``code``.
"""

from __future__ import annotations

import json
import string
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOUBLE_QUOTES = '"\u201c\u201d\u201e'
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
STATEMENT_BREAKS = ";\r\n"
# wslview's options, each with its long form: -s skips curl's check, -r and -u register and
# unregister it as the system's browser (sudo), -e edits the shell's rc files, -E picks an engine.
WSLVIEW_OPTIONS = frozenset(
    {"-s", "-r", "-u", "-e", "-h", "-v", "-E", "--skip-validation-check", "--reg-as-browser"}
    | {"--unreg-as-browser", "--export-as-browser", "--help", "--version", "--engine"}
)
#: What no reader here takes for anything but itself, inside the string it puts the URL in.
PLAIN = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@&=+,*%")
_VARIABLE_START = frozenset(string.ascii_letters + string.digits + "_?^$({")

Token = tuple[str, str]  # ("string" or "word", its text)


@dataclass
class Reading:
    """The URL a launcher would open, and what else would run (or be read as an option)."""

    url: str | None = None
    code: list[str] = field(default_factory=list)


def read_wslview(args: list[str]) -> Reading:
    if not args:
        return Reading(code=["wslview: no input"])
    if args[0].startswith("-"):
        reader = "wslview" if args[0] in WSLVIEW_OPTIONS else "curl (wslview's url_validator)"
        return Reading(code=[f"{reader} reads {args[0]!r} as an option"])
    return read_powershell(f'Start "{" ".join(args)}"')


def read_powershell_exe(args: list[str]) -> Reading:
    """``powershell.exe -NoProfile -NonInteractive -Command ...``: what follows -Command, joined
    by spaces, is the script. A double quote in an argument would be re-read on the Windows
    command line (WSL's interop only wraps an argument holding white space in quotes)."""
    if args[:3] != ["-NoProfile", "-NonInteractive", "-Command"]:
        return Reading(code=[f"powershell.exe: unexpected arguments {args!r}"])
    reading = read_powershell(" ".join(args[3:]))
    reading.code += [f"the command line re-reads {arg!r}" for arg in args[3:] if '"' in arg]
    return reading


def read_powershell(script: str) -> Reading:
    """What ``Start "<url>"`` or ``Start-Process '<url>'`` opens, and everything else that runs:
    an expansion in a double-quoted string, or any statement besides that one."""
    reading = Reading()
    first, *others = [s for s in _statements(script, reading.code) if s] or [[]]
    if len(first) == 2 and first[0][1] in ("Start", "Start-Process") and first[1][0] == "string":
        reading.url = first[1][1]
    else:
        others.insert(0, first)
    reading.code += ["runs " + " ".join(map(_shown, tokens)) for tokens in others]
    return reading


def _shown(token: Token) -> str:
    kind, text = token
    return text if kind == "word" else repr(text)


def _statements(script: str, code: list[str]) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    at = 0
    while at < len(script):
        char = script[at]
        if char in STATEMENT_BREAKS:
            statements.append([])
            at += 1
        elif char in " \t":
            at += 1
        elif char in SINGLE_QUOTES or char in DOUBLE_QUOTES:
            read = _single_quoted if char in SINGLE_QUOTES else _double_quoted
            text, at = read(script, at + 1, code)
            statements[-1].append(("string", text))
        else:
            end = _word_end(script, at)
            statements[-1].append(("word", script[at:end]))
            at = end
    return statements


def _word_end(script: str, at: int) -> int:
    stops = STATEMENT_BREAKS + " \t" + SINGLE_QUOTES + DOUBLE_QUOTES
    while at < len(script) and script[at] not in stops:
        at += 1
    return at


def _single_quoted(script: str, at: int, code: list[str]) -> tuple[str, int]:
    text: list[str] = []
    while at < len(script):
        char, after = script[at], script[at + 1 : at + 2]
        if char in SINGLE_QUOTES and after and after in SINGLE_QUOTES:
            text.append(after)
            at += 2
        elif char in SINGLE_QUOTES:
            return "".join(text), at + 1
        else:
            text.append(char)
            at += 1
    code.append("a string that never ends")
    return "".join(text), at


def _double_quoted(script: str, at: int, code: list[str]) -> tuple[str, int]:
    text: list[str] = []
    while at < len(script):
        char, after = script[at], script[at + 1 : at + 2]
        if char == "`":
            code.append(f"a backtick escapes {after!r}")
            text.append(after)
            at += 2
            continue
        if char == "$" and after and after in _VARIABLE_START:
            code.append(f"expands {script[at : at + 12]!r}")
        elif char in DOUBLE_QUOTES and after and after in DOUBLE_QUOTES:
            at += 1  # doubled: one stands for itself
            char = after
        elif char in DOUBLE_QUOTES:
            return "".join(text), at + 1
        text.append(char)
        at += 1
    code.append("a string that never ends")
    return "".join(text), at


_READERS: dict[str, Callable[[list[str]], Reading]] = {
    "wslview": read_wslview,
    "powershell.exe": read_powershell_exe,
    "browser": lambda args: Reading(url=args[0] if args else None),
}

# The stub program: this module, run from the test tree whatever the launcher's PYTHONPATH.
_STUB = """#!{python}
import sys
sys.path.insert(0, {root!r})
from tests._windows_launchers import run_stub
run_stub()
"""


def write_stub(path: Path, record: Path, *, exit_code: int = 0, follow: bool = False) -> None:
    """An executable at ``path`` that reads its arguments as the program of that name does (any
    other name: a ``BROWSER`` command, its first argument the URL), records what it read in
    ``record`` (a JSON line), follows the URL when told to, as a browser would, and exits
    with ``exit_code``."""
    reads = path.name if path.name in _READERS else "browser"
    settings: dict[str, Any] = {"name": path.name, "reads": reads, "record": str(record)}
    settings.update(exit_code=exit_code, follow=follow)
    Path(f"{path}.json").write_text(json.dumps(settings))
    root = str(Path(__file__).resolve().parents[1])
    path.write_text(_STUB.format(python=sys.executable, root=root))
    path.chmod(0o755)


def run_stub() -> None:
    with open(sys.argv[0] + ".json", encoding="utf-8") as file:
        settings = json.load(file)
    args = sys.argv[1:]
    reading = _READERS[settings["reads"]](args)
    launch = {"launcher": settings["name"], "args": args, "url": reading.url, "code": reading.code}
    with open(settings["record"], "a", encoding="utf-8") as record:
        record.write(json.dumps(launch) + "\n")
    if settings["follow"] and reading.url and not reading.code:
        # No proxy: the fake and the login listen on 127.0.0.1.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(reading.url, timeout=30).read()
    sys.exit(settings["exit_code"])


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

    @property
    def code_run(self) -> list[str]:
        """Everything any launcher would have run besides opening a URL."""
        return [code for launch in self.launched for code in launch["code"]]

    def environ(self, **values: str) -> dict[str, str]:
        return {"PATH": str(self.folder), "WSL_DISTRO_NAME": "Test", **values}
