"""Where token files live: the default one, a profile's, and which one a command uses.

Standard library only: the quick path of ``lwa-loopback token`` finds its file through here.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing itself costs a few milliseconds on the quick path
if TYPE_CHECKING:
    from collections.abc import Mapping


def default_path(environ: Mapping[str, str]) -> str:
    """``$XDG_CONFIG_HOME/lwa-loopback/tokens.json``, or ``~/.config/...`` when it is unset."""
    return os.path.join(_home(environ), "tokens.json")


def _home(environ: Mapping[str, str]) -> str:
    config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config_home, "lwa-loopback")


#: A profile's name: a few safe characters, so that it can never be a path.
_PROFILE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
PROFILE_NAME_RULE = "1 to 64 of the characters A-Z a-z 0-9 . _ -, and not only dots"


def profiles_folder(environ: Mapping[str, str]) -> str:
    """``$XDG_CONFIG_HOME/lwa-loopback/profiles``: one token file per profile."""
    return os.path.join(_home(environ), "profiles")


def profile_path(name: str, environ: Mapping[str, str]) -> str:
    """The token file of profile ``name``; ``ValueError`` for a name that is not one."""
    if not 1 <= len(name) <= 64 or not set(name) <= _PROFILE_CHARACTERS or not name.strip("."):
        raise ValueError(f"the profile name {name!r} is not {PROFILE_NAME_RULE}")
    return os.path.join(profiles_folder(environ), name + ".json")


def choose_path(file: str | None, profile: str | None, environ: Mapping[str, str]) -> str:
    """Which token file a command uses: ``--file``/``--out`` on the command line, else
    ``--profile`` on the command line, else ``LWA_TOKEN_FILE``, else ``LWA_PROFILE``, else
    the default. A flag beats a variable; a path beats a profile."""
    if file:
        return file
    if profile:
        return profile_path(profile, environ)
    if environ.get("LWA_TOKEN_FILE"):
        return environ["LWA_TOKEN_FILE"]
    if environ.get("LWA_PROFILE"):
        return profile_path(environ["LWA_PROFILE"], environ)
    return default_path(environ)
