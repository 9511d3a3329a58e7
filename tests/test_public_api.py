"""The public surface: ``__all__`` sorted and complete, every name importable (lazily), and each
name the very object its home module defines: a class or function of lwa_loopback, or a constant.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from types import ModuleType

import pytest

import lwa_loopback
import lwa_loopback.testing
from lwa_loopback import _HOMES

# What each constant is; every other public name is a class (Capitalized) or a function.
CONSTANTS: dict[str, type] = {
    "REGIONS": Mapping,
    "FAKE_APPLICATION_ID": str,
    "FAKE_CLIENT_ID": str,
    "FAKE_CLIENT_SECRET": str,
    "FAKE_SELLING_PARTNER_ID": str,
}
PUBLIC = [(lwa_loopback, name) for name in lwa_loopback.__all__] + [
    (lwa_loopback.testing, name) for name in lwa_loopback.testing.__all__
]


def _isort_order(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions
    return (0 if name.isupper() else 1 if name[0].isupper() else 2), name


@pytest.mark.parametrize("module", [lwa_loopback, lwa_loopback.testing])
def test_all_is_sorted_and_complete(module: ModuleType) -> None:
    assert module.__all__ == sorted(module.__all__, key=_isort_order)
    assert set(module.__all__) <= set(dir(module))
    if module is lwa_loopback:
        assert set(module.__all__) == set(_HOMES)


def _home(module: ModuleType, name: str) -> ModuleType:
    """Where ``module.name`` is defined: the package's table of homes, or testing's subpackage."""
    if module is lwa_loopback:
        return importlib.import_module(_HOMES[name], "lwa_loopback")
    return importlib.import_module("lwa_loopback._fake")


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[name for _, name in PUBLIC])
def test_each_name_is_what_it_claims_to_be(module: ModuleType, name: str) -> None:
    value = getattr(module, name)
    home = _home(module, name)

    assert value is getattr(home, name)  # the very object, not a copy or a stand-in
    if name.isupper():
        assert isinstance(value, CONSTANTS[name]), type(value)
        assert not callable(value)
        return
    if name[0].isupper():
        assert inspect.isclass(value)
    else:
        assert inspect.isfunction(value)
    assert value.__name__ == value.__qualname__ == name
    # Defined in its home: the module named in _HOMES, or a module of the fake's subpackage.
    if module is lwa_loopback:
        assert value.__module__ == home.__name__
    else:
        assert value.__module__.startswith(home.__name__ + ".")
    assert value is getattr(importlib.import_module(value.__module__), name)


def test_every_constant_is_known() -> None:
    assert {name for _, name in PUBLIC if name.isupper()} == set(CONSTANTS)


def test_the_constants_hold_what_they_say() -> None:
    from lwa_loopback._regions import REGIONS
    from lwa_loopback.testing import FAKE_CLIENT_ID, FakeLWA

    assert lwa_loopback.REGIONS is REGIONS
    assert set(REGIONS) == {"na", "eu", "fe"}
    assert FAKE_CLIENT_ID.startswith("amzn1.application-oa2-client.")
    fake = FakeLWA()
    assert (fake.client_id, fake.client_secret) == (
        FAKE_CLIENT_ID,
        lwa_loopback.testing.FAKE_CLIENT_SECRET,
    )


def test_from_import_works_for_lazy_names() -> None:
    from lwa_loopback import TokenFileUnusable, valid_access_token_sync

    assert TokenFileUnusable.__module__ == "lwa_loopback.errors"
    assert valid_access_token_sync.__module__ == "lwa_loopback._refresh"


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        lwa_loopback.no_such_name  # noqa: B018
