"""Failures are types: what is not the server's OAuth answer is a subclass of ``ExchangeError``
whose ``error`` is None, with the failure underneath as its cause where it helps and leaks
nothing; ``error`` is only ever a code the server sent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import lwa_loopback
import lwa_loopback.errors
from lwa_loopback import (
    ExchangeError,
    LoginError,
    NetworkError,
    ProxyError,
    UnusableAnswer,
    refresh,
)
from lwa_loopback.testing import FakeLWA, TokenFailure

from ._token_files import EXPIRED_AGE, make_token_file


def test_the_tree() -> None:
    for kind in (NetworkError, ProxyError, UnusableAnswer):
        assert issubclass(kind, ExchangeError) and kind.exit_code == 5
        assert kind.__name__ in lwa_loopback.errors.__all__
        assert getattr(lwa_loopback, kind.__name__) is kind
        assert kind.__name__ in (lwa_loopback.errors.__doc__ or "")
    # No answer at all is an OSError, as a timeout, a refused connection or a TLS error are;
    # an answer that cannot be read is not a ValueError (that is a caller's bad value).
    assert issubclass(NetworkError, OSError) and not issubclass(NetworkError, ConnectionError)
    assert not issubclass(UnusableAnswer, ValueError) and not issubclass(ProxyError, OSError)
    assert lwa_loopback.errors.__all__ == sorted(lwa_loopback.errors.__all__)


async def _refresh_failing(
    fake_lwa: FakeLWA, path: Path, request_timeout: float = 30.0
) -> ExchangeError:
    make_token_file(fake_lwa, path, age=EXPIRED_AGE)
    with pytest.raises(ExchangeError) as caught:
        await refresh(path, client_secret=fake_lwa.client_secret, request_timeout=request_timeout)
    return caught.value


async def test_a_body_that_is_not_json_keeps_the_decoding_error(
    fake_lwa: FakeLWA, token_file: Path
) -> None:
    fake_lwa.token_failure = TokenFailure.NOT_JSON

    error = await _refresh_failing(fake_lwa, token_file)

    assert type(error) is UnusableAnswer and error.error is None and error.status == 200
    assert isinstance(error.__cause__, json.JSONDecodeError)
    assert error.__cause__.doc == ""  # the body it quoted whole is dropped: it may hold a token


async def test_no_answer_in_time_keeps_the_timeout(fake_lwa: FakeLWA, token_file: Path) -> None:
    fake_lwa.token_failure = TokenFailure.SLOW

    error = await _refresh_failing(fake_lwa, token_file, request_timeout=0.2)

    assert type(error) is NetworkError and error.error is None and error.status is None
    assert isinstance(error.__cause__, asyncio.TimeoutError)
    assert isinstance(error, OSError)


async def test_the_servers_refusal_is_the_servers_code(fake_lwa: FakeLWA, token_file: Path) -> None:
    fake_lwa.token_failure = TokenFailure.INVALID_GRANT

    error = await _refresh_failing(fake_lwa, token_file)

    assert type(error) is ExchangeError and error.error == "invalid_grant"
    assert error.description and error.status == 400


async def test_catching_one_kind(fake_lwa: FakeLWA, token_file: Path) -> None:
    """As docs/library.md shows it: retry later on a network error, sign in again otherwise."""
    fake_lwa.token_failure = TokenFailure.SLOW
    make_token_file(fake_lwa, token_file, age=EXPIRED_AGE)
    try:
        await refresh(token_file, client_secret=fake_lwa.client_secret, request_timeout=0.2)
    except NetworkError:
        outcome = "later"
    except LoginError:
        outcome = "sign in again"
    assert outcome == "later"
