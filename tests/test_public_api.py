"""The public surface: ``__all__`` sorted and complete, every name importable (lazily)."""

from __future__ import annotations

import lwa_loopback
from lwa_loopback import _HOMES


def _isort_order(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions
    return (0 if name.isupper() else 1 if name[0].isupper() else 2), name


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert lwa_loopback.__all__ == sorted(lwa_loopback.__all__, key=_isort_order)
    assert set(lwa_loopback.__all__) == set(_HOMES)
    for name in lwa_loopback.__all__:
        value = getattr(lwa_loopback, name)
        assert getattr(value, "__name__", name) in (name, "dict")  # REGIONS is a plain dict
    assert set(lwa_loopback.__all__) <= set(dir(lwa_loopback))


def test_from_import_works_for_lazy_names() -> None:
    from lwa_loopback import TokenFileUnusable, valid_access_token_sync

    assert TokenFileUnusable.__module__ == "lwa_loopback.errors"
    assert valid_access_token_sync.__module__ == "lwa_loopback._refresh"


def test_unknown_names_raise_attribute_error() -> None:
    try:
        lwa_loopback.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")
