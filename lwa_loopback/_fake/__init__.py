"""The fake LWA server, its consent page and rules, and the headless browser: a product of its
own, for our tests and our users' (re-exported by ``lwa_loopback.testing``)."""

from ._headless import HeadlessBrowser as HeadlessBrowser
from ._headless import VisitedPage as VisitedPage
from ._server import FAKE_CLIENT_ID as FAKE_CLIENT_ID
from ._server import FAKE_CLIENT_SECRET as FAKE_CLIENT_SECRET
from ._server import FakeLWA as FakeLWA
from ._server import SeenRequest as SeenRequest
from ._server import TokenFailure as TokenFailure

__all__ = [
    "FAKE_CLIENT_ID",
    "FAKE_CLIENT_SECRET",
    "FakeLWA",
    "HeadlessBrowser",
    "SeenRequest",
    "TokenFailure",
    "VisitedPage",
]
