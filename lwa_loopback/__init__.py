"""Get Login with Amazon (LWA) tokens onto a developer's machine, the right way.

``login()`` (async) and ``login_sync()`` run the one-shot loopback flow (LWA's consent page, or
Seller Central's with ``sp_api=True``); ``login_device()`` the device flow for machines without
a browser; ``client_credentials()`` gets a token for the client itself, and
``import_refresh_token()`` makes a token file from a refresh token obtained elsewhere.
``Tokens`` is what they return; ``refresh()`` and ``valid_access_token()`` keep a token file
useful afterwards; ``lwa_loopback.errors`` holds every failure; ``lwa_loopback.testing`` holds
the fake LWA server and the headless browser.

Names are imported on first use (PEP 562): ``lwa-loopback token`` is called from shell loops,
and importing this package must not drag aiohttp in for it.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not from typing: its import would slow `lwa-loopback token`
if TYPE_CHECKING:
    from typing import Any

    from ._device import Pacing as Pacing
    from ._device import login_device as login_device
    from ._device import login_device_sync as login_device_sync
    from ._login import login as login
    from ._login import login_sync as login_sync
    from ._other_grants import client_credentials as client_credentials
    from ._other_grants import client_credentials_sync as client_credentials_sync
    from ._other_grants import import_refresh_token as import_refresh_token
    from ._other_grants import import_refresh_token_sync as import_refresh_token_sync
    from ._refresh import refresh as refresh
    from ._refresh import refresh_sync as refresh_sync
    from ._refresh import valid_access_token as valid_access_token
    from ._refresh import valid_access_token_sync as valid_access_token_sync
    from ._regions import REGIONS as REGIONS
    from ._token_file import default_token_file as default_token_file
    from ._token_file import profile_file as profile_file
    from ._token_file import read_token_file as read_token_file
    from ._token_file import write_token_file as write_token_file
    from ._tokens import Tokens as Tokens
    from .errors import ConfigurationError as ConfigurationError
    from .errors import ConsentError as ConsentError
    from .errors import ExchangeError as ExchangeError
    from .errors import ListenError as ListenError
    from .errors import LoginError as LoginError
    from .errors import LoginTimeout as LoginTimeout
    from .errors import NetworkError as NetworkError
    from .errors import PasteError as PasteError
    from .errors import ProxyError as ProxyError
    from .errors import TokenFileError as TokenFileError
    from .errors import TokenFileUnusable as TokenFileUnusable
    from .errors import UnusableAnswer as UnusableAnswer

__all__ = [
    "REGIONS",
    "ConfigurationError",
    "ConsentError",
    "ExchangeError",
    "ListenError",
    "LoginError",
    "LoginTimeout",
    "NetworkError",
    "Pacing",
    "PasteError",
    "ProxyError",
    "TokenFileError",
    "TokenFileUnusable",
    "Tokens",
    "UnusableAnswer",
    "client_credentials",
    "client_credentials_sync",
    "default_token_file",
    "import_refresh_token",
    "import_refresh_token_sync",
    "login",
    "login_device",
    "login_device_sync",
    "login_sync",
    "profile_file",
    "read_token_file",
    "refresh",
    "refresh_sync",
    "valid_access_token",
    "valid_access_token_sync",
    "write_token_file",
]

# Where each public name lives; the TYPE_CHECKING block above says the same to type checkers.
_HOMES = {
    "client_credentials": "._other_grants",
    "client_credentials_sync": "._other_grants",
    "import_refresh_token": "._other_grants",
    "import_refresh_token_sync": "._other_grants",
    "login": "._login",
    "Pacing": "._device",
    "login_device": "._device",
    "login_device_sync": "._device",
    "login_sync": "._login",
    "refresh": "._refresh",
    "refresh_sync": "._refresh",
    "valid_access_token": "._refresh",
    "valid_access_token_sync": "._refresh",
    "REGIONS": "._regions",
    "Tokens": "._tokens",
    "default_token_file": "._token_file",
    "profile_file": "._token_file",
    "read_token_file": "._token_file",
    "write_token_file": "._token_file",
    "ConfigurationError": ".errors",
    "ConsentError": ".errors",
    "ExchangeError": ".errors",
    "ListenError": ".errors",
    "LoginError": ".errors",
    "LoginTimeout": ".errors",
    "NetworkError": ".errors",
    "PasteError": ".errors",
    "ProxyError": ".errors",
    "TokenFileError": ".errors",
    "TokenFileUnusable": ".errors",
    "UnusableAnswer": ".errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
