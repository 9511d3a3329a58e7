"""How ``show`` masks tokens and words expiry times."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lwa_loopback._cli._describe import mask, relative


@given(st.text(min_size=1, max_size=2048))
def test_mask_never_shows_a_whole_token(token: str) -> None:
    masked = mask(token)
    shown = masked.removesuffix("...")
    assert masked.endswith("...")
    assert token.startswith(shown)
    assert len(shown) <= min(8, len(token) // 3)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (42 * 60, "in 42 minutes"),
        (-3 * 3600, "expired 3 hours ago"),
        (1, "in 1 second"),
        (89, "in 89 seconds"),
        (90, "in 2 minutes"),
        (-60, "expired 60 seconds ago"),
        (-120, "expired 2 minutes ago"),
        (47 * 3600, "in 47 hours"),
        (-49 * 3600, "expired 2 days ago"),
        (0, "expired 0 seconds ago"),
    ],
)
def test_relative(seconds: int, said: str) -> None:
    assert relative(seconds) == said
