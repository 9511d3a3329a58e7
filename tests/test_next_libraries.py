"""The names the library formats print are the names docs/next-libraries.md says each library
reads, and where: neither library is installed, so the documentation's table (each row citing
a file of the library's source, at a commit) is what the formats are held to."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from lwa_loopback._cli._formats import ALL_FORMATS, output
from lwa_loopback._grants import SELLING_PARTNER

DOC = Path(__file__).parent.parent / "docs" / "next-libraries.md"
#: Each library's repository, as the table's links name it.
REPOSITORIES = {
    "python-amazon-sp-api": "saleweaver/python-amazon-sp-api",
    "python-amazon-ad-api": "denisneuf/python-amazon-ad-api",
}
_LINK = re.compile(r"\[`([^`]+)`\]\((https://github\.com/[^)\s]+)\)")
_PERMALINK = re.compile(r"https://github\.com/([\w.-]+/[\w.-]+)/blob/([0-9a-f]{40})/(\S+)")

FIELDS: dict[str, Any] = {
    "access_token": "Atza|access",
    "refresh_token": "Atzr|refresh",
    "token_type": "bearer",
    "expires_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
    "client_id": "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
    "scope": "",
    "grant": SELLING_PARTNER.stored,
    "selling_partner_id": "A2EXAMPLE",
}


def table() -> list[dict[str, str]]:
    """The rows of the section "Where each library reads these names", by column name."""
    section = DOC.read_text().split("## Where each library reads these names\n", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        for line in lines[2:]
    ]


def _codes(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


def documented(form: str) -> set[str]:
    """The names the table says ``form`` prints."""
    return {row["name"].strip("`") for row in table() if form in _codes(row["`--format`"])}


def names_printed(form: str) -> set[str]:
    """The names ``form`` prints when given everything (the client secret, a profile id)."""
    more = {"ads_profile_id": "42"} if form.startswith("ad-api") else {}
    text = output(form, FIELDS, client_secret="s", **more)
    if form.endswith("json"):
        return set(json.loads(text))
    separator = ":" if form.endswith("header") else "="
    return {line.split(separator, 1)[0] for line in text.splitlines()}


def test_the_table_is_read() -> None:
    rows = table()
    assert len(rows) >= 15
    assert {row["library"] for row in rows} == set(REPOSITORIES)


@pytest.mark.parametrize("form", ["sp-api-env", "sp-api-json", "ad-api-env", "ad-api-json"])
def test_each_library_format_prints_exactly_the_names_documented(form: str) -> None:
    assert names_printed(form) == documented(form)


def test_the_selling_partner_header_is_the_one_documented() -> None:
    # `header` picks it for these (Selling Partner) fields; `sp-api-header` always.
    assert names_printed("sp-api-header") == names_printed("header") == {"x-amz-access-token"}
    assert documented("sp-api-header") == documented("header") == {"x-amz-access-token"}


def test_every_documented_format_is_one_the_command_takes() -> None:
    for row in table():
        assert _codes(row["`--format`"]) <= set(ALL_FORMATS), row


@pytest.mark.parametrize("row", table(), ids=lambda row: row["name"].strip("`"))
def test_each_name_cites_a_file_of_its_library_at_a_commit(row: dict[str, str]) -> None:
    links = _LINK.findall(row["read in"])
    assert links, row["read in"]
    for path, url in links:
        found = _PERMALINK.fullmatch(url)
        assert found is not None, url
        repository, _, linked_path = found.groups()
        assert repository == REPOSITORIES[row["library"]]
        assert linked_path == path and path.endswith(".py")
