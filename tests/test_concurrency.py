"""Many logins at once in one process: each on its own port, one fake server, no cross-talk."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from lwa_loopback import login
from lwa_loopback.testing import FakeLWA, HeadlessBrowser

FLOWS = 100


async def test_a_hundred_flows_at_once_each_get_their_own_tokens(
    fake_lwa: FakeLWA, tmp_path: Path
) -> None:
    browsers = [HeadlessBrowser() for _ in range(FLOWS)]
    files = [tmp_path / f"flow-{i}" / "tokens.json" for i in range(FLOWS)]
    results = await asyncio.gather(
        *(
            login(
                **fake_lwa.login_options(),
                redirect_uri="http://127.0.0.1:0/callback",
                scope="profile",
                token_file=file,
                open_browser=browser,
                timeout=60.0,
            )
            for file, browser in zip(files, browsers, strict=True)
        )
    )

    assert len({tokens.access_token for tokens in results}) == FLOWS
    assert len({tokens.refresh_token for tokens in results}) == FLOWS
    for tokens, file, browser in zip(results, files, browsers, strict=True):
        saved = json.loads(file.read_text())
        assert (saved["access_token"], saved["refresh_token"]) == (
            tokens.access_token,
            tokens.refresh_token,
        )
        # Each browser landed on its own flow's page, which names its own token file.
        assert [page.status for page in browser.pages] == [200]
        assert str(file) in browser.last_page.visible_text
    # One consent and one exchange per flow, and every flow used a port of its own.
    assert (len(fake_lwa.consent_requests), len(fake_lwa.token_requests)) == (FLOWS, FLOWS)
    ports = {request.params["redirect_uri"] for request in fake_lwa.consent_requests}
    assert len(ports) == FLOWS
