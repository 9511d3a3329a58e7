"""google-auth-oauthlib's ``InstalledAppFlow.run_local_server``, as a command like ours.

Usage: google_login.py AUTHORIZE_URL TOKEN_URL CLIENT_ID OUT_FILE (secret in LWA_CLIENT_SECRET).
It prints the consent URL, waits for the redirect on 127.0.0.1 (free port), exchanges the code
and writes the credentials' JSON to OUT_FILE, as a user's script around it would.
Benchmark only: the token URL is plain http, which oauthlib refuses unless
OAUTHLIB_INSECURE_TRANSPORT=1 is set (the benchmark sets it for this process alone).
"""

from __future__ import annotations

import os
import sys

from google_auth_oauthlib.flow import InstalledAppFlow  # type: ignore[import-untyped]


def main() -> None:
    authorize_url, token_url, client_id, out_file = sys.argv[1:5]
    config = {
        "installed": {
            "client_id": client_id,
            "client_secret": os.environ["LWA_CLIENT_SECRET"],
            "auth_uri": authorize_url,
            "token_uri": token_url,
        }
    }
    flow = InstalledAppFlow.from_client_config(config, scopes=["profile"])
    # The URL alone on its line, as lwa-loopback prints it, so one driver reads both.
    credentials = flow.run_local_server(
        host="127.0.0.1", port=0, open_browser=False, authorization_prompt_message="{url}"
    )
    with open(out_file, "w", encoding="utf-8") as out:
        out.write(credentials.to_json())


if __name__ == "__main__":
    main()
