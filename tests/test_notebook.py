"""The example notebook, executed headless in a real IPython kernel (nbclient + ipykernel)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from lwa_loopback._browser import consent_link_html

from ._browsers import headless_browser_command, subprocess_env

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "notebook.ipynb"


def _outputs(cell: Any) -> list[dict[str, Any]]:
    return [dict(output) for output in cell.outputs]


def _text(outputs: list[dict[str, Any]]) -> str:
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def _links(outputs: list[dict[str, Any]]) -> list[str]:
    return [
        o["data"]["text/html"]
        for o in outputs
        if o["output_type"] == "display_data" and "text/html" in o["data"]
    ]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The notebook after running every cell (once for this module), in a kernel whose
    browser signs in headlessly."""
    folder = tmp_path_factory.mktemp("notebook")
    notebook = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    with pytest.MonkeyPatch.context() as patch:
        # The kernel inherits this environment; webbrowser.open then runs our headless browser.
        patch.setenv("BROWSER", str(headless_browser_command(folder)))
        NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
    return notebook


def test_the_notebook_signs_in_both_ways_and_shows_a_summary(executed: Any) -> None:
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    sync_cell, await_cell, summary_cell = (_outputs(cell) for cell in code[1:4])

    assert "Signed in with login_sync: scope 'profile'" in _text(sync_cell)
    assert "Signed in with await login: scope 'profile'" in _text(await_cell)
    summary = _text(summary_cell)
    assert "(mode 600)" in summary
    assert "scope:         profile" in summary
    assert "refresh token: saved" in summary


def test_each_sign_in_shows_a_link_to_the_consent_page(executed: Any) -> None:
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    for cell in code[1:3]:
        (link,) = _links(_outputs(cell))
        assert '<a href="http://127.0.0.1:' in link
        assert "/ap/oa?client_id=" in link
        assert "Sign in with Amazon</a>" in link


def test_no_token_reaches_the_notebook(executed: Any) -> None:
    everything = json.dumps([_outputs(cell) for cell in executed.cells if "outputs" in cell])

    assert "Atza|" not in everything
    assert "Atzr|" not in everything


def test_the_link_is_escaped() -> None:
    html = consent_link_html('http://127.0.0.1:1/ap/oa?a=1&b="><script>')

    assert 'href="http://127.0.0.1:1/ap/oa?a=1&amp;b=&quot;&gt;&lt;script&gt;"' in html


def test_outside_a_notebook_a_missing_browser_prints_the_address() -> None:
    # A fresh process: webbrowser reads BROWSER once. "false" is a browser that fails.
    script = (
        "import asyncio; from lwa_loopback._browser import open_consent_page; "
        "asyncio.run(open_consent_page('http://127.0.0.1:9/ap/oa?x=1'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=subprocess_env(BROWSER="false"),
        timeout=60,
        check=True,
    )

    assert "No browser could be opened here" in result.stderr
    assert "http://127.0.0.1:9/ap/oa?x=1" in result.stderr
