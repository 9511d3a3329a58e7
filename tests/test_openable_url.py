"""``openable_url``: the one gate for a URL the tool opens or shows as a link, whether it built
the URL (the consent page) or a server sent it (the device flow's verification page)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lwa_loopback._browser import (
    openable_url,
    powershell_literal,
    show_code_in_notebook,
    show_in_notebook,
)

from ._windows_launchers import PLAIN, Reading, read_powershell_exe, read_wslview

VERIFICATION = "https://amazon.com/us/code"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "it is not https"),
        ("-u", "it is not https"),
        ("amazon.com/us/code", "it is not https"),
        ("//amazon.com/us/code", "it is not https"),
        ("javascript:alert(1)", "it is not https"),
        ("JavaScript:alert(1)//https://amazon.com", "it is not https"),
        ("file:///C:/Windows/System32/calc.exe", "it is not https"),
        ("ftp://amazon.com/", "it is not https"),
        ("ms-settings:", "it is not https"),
        ("http://amazon.com/us/code", "it is not https (http only on"),
        ("http://127.0.0.1.nip.io/", "it is not https (http only on"),
        ("http://localhost.example/", "it is not https (http only on"),
        ("http://2130706433/", "it is not https (http only on"),  # 127.0.0.1 to a browser
        ("https:amazon.com/us/code", "it names no host"),
        ("https:\\\\amazon.com/us/code", "it names no host"),  # a browser reads "\" as "/"
        ("https:///us/code", "it names no host"),
        ("https://:443/us/code", "it names no host"),
        ("https://user:pw@amazon.com/", "it carries a user name or password"),
        ("https://amazon.com@evil.example/", "it carries a user name or password"),
        ("https://amazon.com\\@evil.example/", "it carries a user name or password"),
        ("https://amazon.com$(calc)/", "its host is not a name or an address"),
        ("https://amazon.com\\evil.example/", "its host is not a name or an address"),
        ("https://[::1/", "its host is not a name or an address"),
        ("https://[fe80::1%25eth0]/", "its host is not a name or an address"),
        ("https://[127.0.0.1]/", "its host is not a name or an address"),
        ("https://amazon.com:44x/", "its port is not a number"),
        ("https://[::1]x/", "its port is not a number"),
        (VERIFICATION + "\n", "it holds control characters"),
        (VERIFICATION + "\x00", "it holds control characters"),
        (VERIFICATION + "\x1b[2J", "it holds control characters"),
        (VERIFICATION + "\x85", "it holds control characters"),
        (VERIFICATION + "\x9b", "it holds control characters"),
        (VERIFICATION + " calc", "it holds white space"),
        (VERIFICATION + "\u00a0", "it holds white space"),
        (VERIFICATION + "\u2028", "it holds white space"),
        (VERIFICATION + "\u202e", "it holds invisible formatting characters"),
        (VERIFICATION + "\u2066", "it holds invisible formatting characters"),
        (VERIFICATION + "\u200b", "it holds invisible formatting characters"),
        (VERIFICATION + "\ufeff", "it holds invisible formatting characters"),
        (VERIFICATION + "\ud800", "it holds lone surrogates"),
    ],
)
def test_what_is_refused_and_why(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("(", r"\(")):
        openable_url(url)


@pytest.mark.parametrize(
    ("url", "gated"),
    [
        (VERIFICATION, VERIFICATION),
        (VERIFICATION + "?x=$(calc)", VERIFICATION + "?x=%24%28calc%29"),
        (VERIFICATION + "?x=$env:X&y=`n", VERIFICATION + "?x=%24env:X&y=%60n"),
        (VERIFICATION + "?x=\";'!;", VERIFICATION + "?x=%22%3B%27%21%3B"),
        (VERIFICATION + "?x=\u201c\u2019", VERIFICATION + "?x=%E2%80%9C%E2%80%99"),
        (VERIFICATION + "?x={a}|<b>^\\", VERIFICATION + "?x=%7Ba%7D%7C%3Cb%3E%5E%5C"),
        (VERIFICATION + "/[a]?[b]#[c]#", VERIFICATION + "/%5Ba%5D?%5Bb%5D#%5Bc%5D%23"),
        (VERIFICATION + "?a=1&b=%2F+%20&c=x,y*z@w:v/u?t", None),  # all kept as they are
        (VERIFICATION + "?x=%zz%4%", VERIFICATION + "?x=%25zz%254%25"),
        ("HTTPS://Amazon.COM:443/us/code", "https://Amazon.COM:443/us/code"),
        ("https://amazon.com:/us/code", "https://amazon.com/us/code"),
        ("https://amazon.com", "https://amazon.com"),
        ("https://amazon.com?x=1", "https://amazon.com?x=1"),
        (
            "https://bücher.example/straße?ä=ö",
            "https://b%C3%BCcher.example/stra%C3%9Fe?%C3%A4=%C3%B6",
        ),
        ("https://[2001:db8::1]:8443/", None),
        ("http://127.0.0.1:9/ap/oa?x=1", None),
        ("http://127.8.9.10/", None),
        ("http://[::1]:9/", None),
        ("HTTP://LocalHost:9/", "http://LocalHost:9/"),
    ],
)
def test_what_is_encoded_and_what_is_kept(url: str, gated: str | None) -> None:
    assert openable_url(url) == (url if gated is None else gated)


def test_a_form_reads_the_same_query_from_the_gated_url() -> None:
    # LWA's consent page and a verification page read their query as a form: what the gate
    # encodes decodes back to what it was.
    url = (
        "http://127.0.0.1:9/ap/oa?client_id=amzn1.x&scope=profile%20postal_code+x"
        "&state=it's&path=%PATH%&v=$env:U&t=`n&q=\u2019';Start-Process('calc');'&e=%E2%9C%93"
    )

    def form(address: str) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(address).query, keep_blank_values=True)

    assert form(openable_url(url)) == form(url)


# Characters some reader on the way to a browser treats specially, and ones that hide text.
TRICKY = "$`\"'\u201c\u201d\u201e\u2018\u2019\u201a\u201b;()[]{}|<>^!\\%@:#?&=+,*-/"
HIDDEN = " \t\r\n\x00\x1b\x85\x9b\u00a0\u202e\u200b\ufeff\ud800"
_any_text = st.text(st.one_of(st.sampled_from(TRICKY + HIDDEN), st.characters()), max_size=40)
_visible_text = st.text(
    st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("C", "Z"))), max_size=40
)
_starts = st.sampled_from(
    [
        "https://",
        "http://",
        "HTTPS://amazon.com",
        "https://amazon.com/us/code?",
        "http://127.0.0.1:9/",
        "https://[::1]",
        "http://localhost",
        "https://u@",
        "javascript:",
        "-",
    ]
)
_START_PROCESS = ["-NoProfile", "-NonInteractive", "-Command", "Start-Process"]


@given(st.one_of(_any_text, st.tuples(_starts, _any_text | _visible_text).map("".join)))
def test_any_text_is_refused_or_reaches_every_launcher_as_plain_text(text: str) -> None:
    try:
        url = openable_url(text)
    except ValueError as exc:
        assert str(exc)[:1].islower()  # a reason to put after "refused: "
        return
    assert url.startswith(("https://", "http://"))
    assert set(url) <= PLAIN
    assert read_wslview([url]) == Reading(url=url)
    assert read_powershell_exe([*_START_PROCESS, powershell_literal(url)]) == Reading(url=url)
    assert openable_url(url) == url


# -- a notebook's links ---------------------------------------------------------------------
@pytest.fixture
def notebook(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """A stand-in IPython kernel: what the cell displays, each a mimetype bundle."""
    shown: list[dict[str, str]] = []

    def display(bundle: dict[str, str], raw: bool) -> None:
        shown.append(bundle)

    kernel_shell = SimpleNamespace(kernel=object())
    monkeypatch.setitem(
        sys.modules, "IPython", _module("IPython", get_ipython=lambda: kernel_shell)
    )
    monkeypatch.setitem(sys.modules, "IPython.display", _module("IPython.display", display=display))
    return shown


def _module(name: str, **names: Callable[..., object]) -> ModuleType:
    module = ModuleType(name)
    vars(module).update(names)
    return module


@pytest.mark.parametrize("url", ["javascript:alert(1)", "-u", "https://u:p@amazon.com/"])
def test_a_refused_address_is_never_a_link(notebook: list[dict[str, str]], url: str) -> None:
    assert show_in_notebook(url)
    assert show_code_in_notebook(url, "ABC123")

    for bundle in notebook:
        assert "<a" not in bundle["text/html"] and "href" not in bundle["text/html"]
        assert url not in bundle["text/html"] and url not in bundle["text/plain"]
        assert "its address was refused (it " in bundle["text/plain"]


def test_a_link_goes_to_the_gated_address(notebook: list[dict[str, str]]) -> None:
    url = VERIFICATION + '?x="><script>$(calc)</script>'

    assert show_code_in_notebook(url, "<b>AB\x1bC</b>")
    assert show_in_notebook(url)

    gated = openable_url(url)
    for bundle in notebook:
        assert f'<a href="{gated}" target="_blank"' in bundle["text/html"]
        assert "<script>" not in bundle["text/html"] and "<b>" not in bundle["text/html"]
        assert gated in bundle["text/plain"]
    assert notebook[0]["text/plain"] == f"Open {gated} and enter the code <b>AB?C</b>"
