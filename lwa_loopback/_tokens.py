"""``Tokens``: what a login or a refresh produced, and its JSON form (the token file's content)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from . import _token_json


@dataclass(frozen=True)
class Tokens:
    """What one login (or refresh) produced. The tokens never show in ``repr``."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    token_type: str
    expires_in: int
    obtained_at: datetime
    scope: str
    client_id: str
    region: str
    token_url: str

    @property
    def expires_at(self) -> datetime:
        return self.obtained_at + timedelta(seconds=self.expires_in)

    def expires_within(self, seconds: float, *, now: datetime | None = None) -> bool:
        return _token_json.expires_within(self.obtained_at, self.expires_in, seconds, now)

    def with_access_token(self, new: Tokens) -> Tokens:
        """``new``'s access token, keeping this refresh token when LWA sent none back."""
        return replace(new, refresh_token=new.refresh_token or self.refresh_token)

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
        return data

    @classmethod
    def from_json(cls, data: Any) -> Tokens:
        """Parse a token file's JSON; ``ValueError`` names what is wrong."""
        return cls(**_token_json.parse(data))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"
