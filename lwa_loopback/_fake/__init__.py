"""The fake LWA server, its consent page and rules, and the headless browser: a product of its
own, for our tests and our users' (re-exported by ``lwa_loopback.testing``)."""

from ._headless import HeadlessBrowser as HeadlessBrowser
from ._headless import VisitedPage as VisitedPage
from ._rules import SeenRequest as SeenRequest
from ._rules import TokenFailure as TokenFailure
from ._server import FAKE_APPLICATION_ID as FAKE_APPLICATION_ID
from ._server import FAKE_CLIENT_ID as FAKE_CLIENT_ID
from ._server import FAKE_CLIENT_SECRET as FAKE_CLIENT_SECRET
from ._server import FAKE_SELLING_PARTNER_ID as FAKE_SELLING_PARTNER_ID
from ._server import FakeLWA as FakeLWA

__all__ = [
    "FAKE_APPLICATION_ID",
    "FAKE_CLIENT_ID",
    "FAKE_CLIENT_SECRET",
    "FAKE_SELLING_PARTNER_ID",
    "FakeLWA",
    "HeadlessBrowser",
    "SeenRequest",
    "TokenFailure",
    "VisitedPage",
]
