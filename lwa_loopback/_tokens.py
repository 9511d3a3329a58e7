"""``Tokens``: what a login or a refresh produced, and its JSON form (the token file's content)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from . import _token_json
from ._grants import AUTHORIZATION_CODE, Grant, stored_grant

__all__ = ["Tokens"]

# Stands for "obtained_at + expires_in" until __post_init__ computes it.
_COMPUTED = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Tokens:
    """What one login (or refresh) produced. The tokens never show in ``repr``.

    ``expires_at`` decides when the access token counts as expired; by default it is
    ``obtained_at + expires_in``, and a token file's own ``expires_at`` wins over both.
    ``client_secret_sent`` says whether the request that brought the refresh token (or its
    absence) carried a client secret: None when not known (files written before it was kept).
    ``grant`` is how the tokens were obtained, as the token file stores it (``_grants``:
    ``authorization_code``, ``selling_partner_code``, ``device_code``, ``client_credentials``,
    ``imported_refresh_token``); ``obtained_by`` is that grant itself. Selling Partner API
    sign-ins also keep ``selling_partner_id`` (whose tokens these are) and, for hybrid apps,
    ``mws_auth_token``. ``refresh_token_rotated`` is what the refreshes so far showed of the
    server: True once one brought a new refresh token (it rotates them, and may have revoked
    the old one), False when each kept it, None before any refresh.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    token_type: str
    expires_in: int
    obtained_at: datetime
    scope: str
    client_id: str
    region: str
    token_url: str
    expires_at: datetime = _COMPUTED
    client_secret_sent: bool | None = None
    grant: str = AUTHORIZATION_CODE.stored
    selling_partner_id: str | None = None
    mws_auth_token: str | None = field(default=None, repr=False)
    #: The options the tokens were obtained with, never a secret: ``login --profile NAME``
    #: signs in again with them.
    sign_in: dict[str, str | bool] | None = None
    refresh_token_rotated: bool | None = None

    def __post_init__(self) -> None:
        if self.expires_at is _COMPUTED:
            computed = self.obtained_at + timedelta(seconds=self.expires_in)
            object.__setattr__(self, "expires_at", computed)

    @property
    def obtained_by(self) -> Grant:
        """The grant the tokens came from (``ValueError`` for a ``grant`` not known)."""
        return stored_grant(self.grant)

    def expires_within(self, seconds: float, *, now: datetime | None = None) -> bool:
        return _token_json.expires_within(self.obtained_at, self.expires_at, seconds, now)

    def with_access_token(self, new: Tokens) -> Tokens:
        """``new``'s access token, keeping this refresh token when the server sent none back
        (standard servers may rotate it: a new one replaces the old), and what this refresh
        showed of the server (``refresh_token_rotated``)."""
        kept = replace(
            new,
            grant=self.grant,
            selling_partner_id=self.selling_partner_id,
            mws_auth_token=self.mws_auth_token,
            sign_in=self.sign_in,
            refresh_token_rotated=self.rotation_after(new.refresh_token),
        )
        if new.refresh_token is not None:
            return kept
        return replace(
            kept, refresh_token=self.refresh_token, client_secret_sent=self.client_secret_sent
        )

    def rotation_after(self, answered: str | None) -> bool | None:
        """``refresh_token_rotated`` once a refresh of this refresh token answered
        ``answered`` (None: no refresh token in the answer): True for good once it changed."""
        if self.refresh_token is None:
            return self.refresh_token_rotated
        changed = answered is not None and answered != self.refresh_token
        return bool(self.refresh_token_rotated) or changed

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "expires_at": _token_json.iso(self.expires_at),
            "obtained_at": _token_json.iso(self.obtained_at),
            "scope": self.scope,
            "client_id": self.client_id,
            "region": self.region,
            "token_url": self.token_url,
        }
        if self.refresh_token is None:
            del data["refresh_token"]
        if self.client_secret_sent is not None:
            data["client_secret_sent"] = self.client_secret_sent
        if self.refresh_token_rotated is not None:
            data["refresh_token_rotated"] = self.refresh_token_rotated
        data["grant"] = self.grant
        for name in ("selling_partner_id", "mws_auth_token", "sign_in"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: Any) -> Tokens:
        """Parse a token file's JSON; ``ValueError`` names what is wrong."""
        return cls(**_token_json.parse(data))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"
