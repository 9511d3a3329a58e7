#!/bin/sh
# Put Login with Amazon tokens on this machine once, for scripts that call Amazon APIs later.
#
#   export LWA_CLIENT_ID=amzn1.application-oa2-client....   # your security profile
#   export LWA_CLIENT_SECRET=...                             # from the environment, never a file
#   sh examples/bootstrap.sh
#
# Register the return URL (default http://127.0.0.1:8080/callback) as an "Allowed Return URL"
# of the security profile first. lwa-loopback reads every LWA_* variable itself (LWA_SCOPE,
# LWA_REGION, LWA_TOKEN_FILE, LWA_AUTHORIZE_URL, ...); this script only supplies defaults.
set -eu

: "${LWA_CLIENT_ID:?Set LWA_CLIENT_ID to the client id of your LWA security profile.}"
: "${LWA_CLIENT_SECRET:?Set LWA_CLIENT_SECRET: without it LWA sends no refresh token.}"
export LWA_REDIRECT_URI="${LWA_REDIRECT_URI:-http://127.0.0.1:8080/callback}"
export LWA_SCOPE="${LWA_SCOPE:-profile}"

# Exit codes: 3 consent refused, 4 timeout, 5 exchange failed, 6 cannot listen, 7 tokens on
# stdout but no file: the script stops on any of them (set -e) with lwa-loopback's message.
lwa-loopback login "$@"

echo "Done. Your programs can now read the token file (lwa_loopback.read_token_file)." >&2
