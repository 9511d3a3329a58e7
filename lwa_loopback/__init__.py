"""Get Login with Amazon (LWA) tokens onto a developer's machine, the right way.

``login()`` (async) and ``login_sync()`` run the one-shot loopback flow; ``Tokens`` is what they
return; ``lwa_loopback.errors`` holds every failure; ``lwa_loopback.testing`` holds the fake LWA
server and the headless browser.
"""

from ._flow import login as login
from ._flow import login_sync as login_sync
from ._regions import REGIONS as REGIONS
from ._tokens import Tokens as Tokens
from ._tokens import default_token_file as default_token_file
from ._tokens import read_token_file as read_token_file
from ._tokens import write_token_file as write_token_file
from .errors import ConfigurationError as ConfigurationError
from .errors import ConsentError as ConsentError
from .errors import ExchangeError as ExchangeError
from .errors import ListenError as ListenError
from .errors import LoginError as LoginError
from .errors import LoginTimeout as LoginTimeout
from .errors import PasteError as PasteError
from .errors import TokenFileError as TokenFileError
from .errors import TokenFileUnusable as TokenFileUnusable

__all__ = [
    "REGIONS",
    "ConfigurationError",
    "ConsentError",
    "ExchangeError",
    "ListenError",
    "LoginError",
    "LoginTimeout",
    "PasteError",
    "TokenFileError",
    "TokenFileUnusable",
    "Tokens",
    "default_token_file",
    "login",
    "login_sync",
    "read_token_file",
    "write_token_file",
]
