"""The quick tour, as the README gives it: ``lwa-loopback fake`` in one terminal, every command
in another with its export lines, and Chromium as the person's browser wherever one is needed
(Allow on the consent pages, the code typed on the verification page, the refresh token copied
from Seller Central's self-authorization page). Real processes, real sockets, one fake.

The commands are ``TOUR``, which the README shows line for line (checked below).
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import Browser, Page
from yarl import URL

from lwa_loopback import read_token_file
from lwa_loopback.testing import FAKE_SELLING_PARTNER_ID

from .._browsers import (
    CALLBACK_URL,
    chromium_page,
    in_chromiums_loop,
    needs_chromium,
    screenshot,
)
from .._cli_process import Finished
from .._fake_process import SECRET_MARKERS, FakeCommand, second_terminal
from .._sockets import assert_port_free

README = Path(__file__).parents[2] / "README.md"

# The README's tour, command for command, in the second terminal. Port 8080 stands for the
# registered return URL's; the test uses 0 (any free port) so that nothing else can hold it.
TOUR = (
    "login --redirect-uri http://127.0.0.1:8080/callback --scope profile --out tokens.json",
    "token --file tokens.json",
    "refresh --file tokens.json",
    "show --file tokens.json",
    "client-credentials --scope some::scope --out client-tokens.json",
    "import --selling-partner-id A1FAKESELLER0000 --out imported.json",
    "login --device --scope profile --out device-tokens.json",
    "login --sp-api --authorize-url http://127.0.0.1:PORT/apps/authorize/consent "
    "--redirect-uri http://127.0.0.1:8080/callback --out seller-tokens.json",
)


def readme_tour() -> list[str]:
    """The commands of the README's tour block (after the ``lwa-loopback fake`` one), each with
    its continuation lines joined and its comment dropped."""
    text = README.read_text()
    block = text[text.index("In another, paste those six lines") :]
    block = block[block.index("```sh\n") + 6 :]
    block = block[: block.index("\n```")]
    joined = re.sub(r"\\\n\s*", "", block)
    lines = [line.split("#")[0].strip() for line in joined.splitlines()]
    return [line.removeprefix("lwa-loopback ") for line in lines if line]


def test_the_readme_shows_the_tour_this_test_drives() -> None:
    assert readme_tour() == list(TOUR)


def tour_args(line: str, tour: Tour, seller_central: str) -> list[str]:
    """A ``TOUR`` line as the test runs it: files in its folder, port 0, the fake's page."""
    args = []
    for word in line.replace(":8080/", ":0/").split()[1:]:
        if word.endswith(".json"):
            word = tour.file(word)
        args.append(seller_central if "PORT" in word else word)
    return args


class Tour:
    """The second terminal: commands run with the fake's exports, in the test's folder."""

    def __init__(self, tmp_path: Path, exports: dict[str, str], page: Page) -> None:
        self.tmp_path = tmp_path
        self.exports = exports
        self.page = page

    def file(self, name: str) -> str:
        return str(self.tmp_path / name)

    async def run(self, *args: str, stdin: str | None = None) -> Finished:
        cli = second_terminal(self.tmp_path, self.exports, stdin=stdin is not None)
        await cli.start(*args)
        return await cli.paste(stdin) if stdin is not None else await cli.finish()

    async def login_allowing(self, *args: str, shot: str) -> Finished:
        """A login whose consent page (the fake's, waiting for a person) gets Allow."""
        cli = second_terminal(self.tmp_path, self.exports)
        await cli.start("login", *args)
        await self.page.goto(await cli.consent_url())
        await screenshot(self.page, shot)
        await self.page.get_by_role("button", name="Allow").click()
        await self.page.wait_for_url(CALLBACK_URL)
        await self.page.get_by_role("heading", name="Signed in").wait_for()
        return await cli.finish()

    async def device_login(self, *args: str) -> Finished:
        """``login --device``: the code it prints typed on the fake's verification page."""
        cli = second_terminal(self.tmp_path, self.exports)
        await cli.start("login", "--device", *args)
        code = (await cli.read_until(lambda line: line.startswith("Code: "))).split()[-1]
        address = cli.head[-2]
        await self.page.goto(address)
        await self.page.get_by_label("Code").fill(code)
        await self.page.get_by_role("button", name="Allow").click()
        await self.page.get_by_text("Your device is registered").wait_for()
        return await cli.finish()

    async def refresh_token_from_seller_central(self, address: str) -> str:
        await self.page.goto(address)
        await screenshot(self.page, "fake-self-authorization-page")
        await self.page.get_by_role("button", name="Authorize app").click()
        token = await self.page.locator("#refresh_token").inner_text()
        await screenshot(self.page, "fake-self-authorization-token")
        return token


@pytest_asyncio.fixture(loop_scope="session")  # the test's loop: Chromium's
async def fake() -> AsyncIterator[FakeCommand]:
    command = FakeCommand()
    try:
        yield command
    finally:
        await command.close()


def address_in(line: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/\S+", line)
    assert found is not None, line
    return found.group()


def ok(done: Finished) -> Finished:
    assert done.exit_code == 0, done.stderr
    return done


@needs_chromium
@in_chromiums_loop
async def test_the_quick_tour_against_lwa_loopback_fake(
    fake: FakeCommand, tmp_path: Path, chromium: Browser
) -> None:
    began = time.monotonic()
    await fake.start()
    exports = await fake.exports()
    port = URL(exports["LWA_TOKEN_URL"]).port
    assert port is not None
    seller_central = address_in(await fake.line_starting("For login --sp-api"))
    self_authorization = address_in(await fake.line_starting("For import"))

    async with chromium_page(chromium) as page:
        tour = Tour(tmp_path, exports, page)

        def args(line: str) -> list[str]:
            return tour_args(line, tour, seller_central)

        def command(line: str) -> list[str]:
            return [line.split()[0], *args(line)]

        login, token_line, refresh, show, credentials, import_, device, seller = TOUR
        ok(await tour.login_allowing(*args(login), shot="fake-consent-page"))
        first = read_token_file(tour.file("tokens.json"))
        token = ok(await tour.run(*command(token_line)))
        ok(await tour.run(*command(refresh)))
        refreshed = read_token_file(tour.file("tokens.json"))
        shown = ok(await tour.run(*command(show)))
        ok(await tour.run(*command(credentials)))
        refresh_token = await tour.refresh_token_from_seller_central(self_authorization)
        ok(await tour.run(*command(import_), stdin=refresh_token))
        ok(await tour.device_login(*args(device)[1:]))  # --device: device_login adds it
        ok(await tour.login_allowing(*args(seller), shot="fake-seller-central-consent"))
    toured = time.monotonic() - began
    stopping = time.monotonic()
    code, _ = await fake.stop(signal.SIGINT)
    stopped = time.monotonic() - stopping

    assert token.stdout == f"{first.access_token}\n"
    assert refreshed.access_token != first.access_token
    assert first.client_id in shown.stdout + shown.stderr
    assert read_token_file(tour.file("client-tokens.json")).grant == "client_credentials"
    imported = read_token_file(tour.file("imported.json"))
    assert imported.refresh_token == refresh_token
    assert imported.selling_partner_id == FAKE_SELLING_PARTNER_ID  # the x-amz-access-token kind
    assert read_token_file(tour.file("device-tokens.json")).grant == "device_code"
    assert (
        read_token_file(tour.file("seller-tokens.json")).selling_partner_id
        == FAKE_SELLING_PARTNER_ID
    )
    # The fake logged each request it answered, and nothing secret.
    log = "\n".join(fake.stderr_lines)
    for line in ("POST /ap/oa 302", "POST /apps/authorize/consent 302", "POST /code 200"):
        assert line in log
    assert not any(marker in log for marker in SECRET_MARKERS)
    assert exports["LWA_CLIENT_SECRET"] not in log
    assert (code, fake.stderr_lines[-1]) == (0, "Stopped.")
    assert_port_free(port)
    print(f"tour: {toured:.1f} s; stopped {stopped:.2f} s after Ctrl+C")
