"""The package's shape: no import cycles, a pytest plugin that costs nothing until used, and a
clear refusal where the token lock cannot work."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import lwa_loopback
from lwa_loopback.testing import FakeLWA

from ._token_files import EXPIRED_AGE, make_token_file

PACKAGE = Path(lwa_loopback.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every lwa_loopback module ``name`` imports: at the top, inside functions, and under
    ``TYPE_CHECKING`` alike (a cycle hidden in any of them is still a cycle)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # "from . import _pages" imports a module; "from .errors import X" a module's name.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        yield from (target for target in targets if target in MODULES and target != name)


GRAPH = {name: set(_imports(name, path)) for name, path in MODULES.items()}


def _cycle_from(start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for following in GRAPH[node]:
            if following == start:
                return [*trail, start]
            if following not in seen:
                seen.add(following)
                stack.append((following, [*trail, following]))
    return None


def test_the_graph_is_read() -> None:
    # The walk above finds real edges, so an empty graph cannot pass for an acyclic one.
    assert "lwa_loopback._tokens" in GRAPH["lwa_loopback._token_file"]
    assert "lwa_loopback._tokens" in GRAPH["lwa_loopback.errors"]  # under TYPE_CHECKING
    assert "lwa_loopback._fake._server" in GRAPH["lwa_loopback._fake"]
    assert "lwa_loopback._token_json" in GRAPH["lwa_loopback._cli._quick"]


def test_no_module_imports_itself_back() -> None:
    cycles = [cycle for name in sorted(GRAPH) if (cycle := _cycle_from(name))]
    assert cycles == [], " ; ".join(" -> ".join(cycle) for cycle in cycles)


def test_the_core_never_reaches_into_the_command_line_or_the_fake() -> None:
    for name, imported in GRAPH.items():
        if name.startswith(("lwa_loopback._cli", "lwa_loopback._fake")):
            continue
        if name in ("lwa_loopback.__main__", "lwa_loopback.testing", "lwa_loopback.pytest_plugin"):
            continue
        for package in ("lwa_loopback._cli", "lwa_loopback._fake"):
            inside = {m for m in imported if m == package or m.startswith(package + ".")}
            assert not inside, name


def _loaded_after(code: str) -> list[str]:
    report = (
        "import json, sys; "
        f"{code}; "
        "print(json.dumps(sorted(m for m in ('aiohttp', 'asyncio', 'yarl', 'click', "
        "'lwa_loopback._fake') if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", report], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_pytest_plugin_imports_nothing_heavy() -> None:
    # pytest imports the plugin in every project where lwa-loopback is installed.
    assert _loaded_after("import lwa_loopback.pytest_plugin") == []
    # ... and the fixtures do load the fake once a test uses them.
    assert "aiohttp" in _loaded_after(
        "import lwa_loopback.pytest_plugin as p; p.lwa_headless_browser.__wrapped__()"
    )


def test_the_command_line_package_itself_loads_nothing() -> None:
    # The entry point lives in it: importing the package must not import click.
    assert _loaded_after("import lwa_loopback._cli._quick") == []


_WITHOUT_FCNTL = "import sys; sys.modules['fcntl'] = None; "  # as on native Windows


def test_without_fcntl_a_login_is_refused_before_anything_happens(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _WITHOUT_FCNTL + "from lwa_loopback._cli._main import run; run()",
            "login",
            "--client-id",
            "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
            "--scope",
            "profile",
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--authorize-url",
            "http://127.0.0.1:9/ap/oa",
            "--out",
            str(tmp_path / "tokens.json"),
            "--no-browser",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )

    assert done.returncode == 2, done.stderr
    assert "WSL" in done.stderr and "fcntl" in done.stderr
    assert "Traceback" not in done.stderr
    assert "http://127.0.0.1:9/ap/oa" not in done.stderr  # no consent URL was printed


def test_without_fcntl_a_refresh_says_so(fake_lwa: FakeLWA, tmp_path: Path) -> None:
    token_file = tmp_path / "tokens.json"
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _WITHOUT_FCNTL + "from lwa_loopback._cli._main import run; run()",
            "refresh",
            "--file",
            str(token_file),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )

    assert done.returncode == 8, done.stderr
    assert "WSL" in done.stderr and "Traceback" not in done.stderr


def _grant_and_flow_names() -> set[str]:
    from lwa_loopback import _grants

    names = {grant.grant_type for grant in _grants.GRANTS}
    names |= {grant.stored for grant in _grants.GRANTS if grant.stored}
    return names | {*_grants.FLOWS, _grants.REFRESH}


def _spelled(path: Path, names: set[str]) -> Iterator[tuple[int, str]]:
    """Where a grant or flow name is used as a bare string: compared with something, or given
    as a ``grant``/``grant_type`` (a dict key or a keyword). The same words as field names
    (``refresh_token``, ``device_code`` in a form) are fine: they name fields, not grants."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Compare):
            candidates = [node.left, *node.comparators]
            candidates += [
                e
                for c in node.comparators
                if isinstance(c, ast.Tuple | ast.List | ast.Set)
                for e in c.elts
            ]
        elif isinstance(node, ast.Dict):
            candidates = [
                value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value in ("grant", "grant_type")
            ]
        elif isinstance(node, ast.keyword) and node.arg in ("grant", "grant_type"):
            candidates = [node.value]
        else:
            continue
        for candidate in candidates:
            if isinstance(candidate, ast.Constant) and candidate.value in names:
                yield candidate.lineno, candidate.value


def test_only_the_grant_model_spells_a_grant_or_a_flow() -> None:
    """Grants and flows are named in ``_grants`` alone: anywhere else, a bare string compared
    with a stored grant or a flow name would drift from the model (one vocabulary matching
    another by accident, as a stored grant and a flow name once did)."""
    names = _grant_and_flow_names()
    found = [
        f"{name}:{line}: {value!r}"
        for name, path in sorted(MODULES.items())
        if name != "lwa_loopback._grants"
        for line, value in _spelled(path, names)
    ]
    assert found == []


def test_the_grant_check_finds_a_bare_grant_name(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        '"""A docstring may say device_code."""\n'
        'form = {"device_code": code}\n'
        'if grant == "device_code" or flow in ("login", "x"):\n'
        '    form = {"grant_type": "client_credentials"}\n'
    )
    assert sorted(_spelled(planted, _grant_and_flow_names())) == [
        (3, "device_code"),
        (3, "login"),
        (4, "client_credentials"),
    ]
