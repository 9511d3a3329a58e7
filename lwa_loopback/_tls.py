"""TLS for https:// return URLs, and noticing a browser that speaks TLS to a plain one."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ._loopback import LOOPBACK_HOSTS, ReturnUrl
from .errors import ConfigurationError

if TYPE_CHECKING:
    import ssl

log = logging.getLogger("lwa_loopback")

# A TLS record starts with its content type (22, handshake) and the major version 3; no HTTP
# request line can start with byte 0x16 (RFC 8446 section 5.1, RFC 9112 section 3).
_TLS_HANDSHAKE = 0x16
_TLS_MAJOR = 0x03

# One certificate for every loopback name and literal: the return URL may use any of them.
_LOOPBACK_NAMES = "localhost 127.0.0.1 ::1"
_LOOPBACK_SAN = "DNS:localhost,IP:127.0.0.1,IP:::1"


#: The parameters the messages here name (``errors.LoginError.parameters``).
_NAMED = ("certfile", "keyfile", "paste")


def make_a_certificate(host: str) -> str:
    """How to make a certificate for ``host``: the loopback names and literals together, or
    the one name (a hosts-file name such as sp-dev.example) or address the return URL has."""
    if host.lower() in LOOPBACK_HOSTS:
        names, subject, alt = _LOOPBACK_NAMES, "localhost", _LOOPBACK_SAN
    else:
        names, subject, alt = host, host, f"{_san_kind(host)}:{host}"
    return (
        f"Make one for this machine with mkcert (`mkcert -install && mkcert -cert-file cert.pem "
        f"-key-file key.pem {names}`, trusted by your browsers), or with openssl (`openssl req "
        f"-x509 -newkey rsa:2048 -nodes -days 30 -subj /CN={subject} -addext "
        f'"subjectAltName={alt}" -keyout key.pem -out cert.pem`; the browser warns once, as it '
        "does not know it). Or use `paste`, which needs no listener."
    )


def _san_kind(host: str) -> str:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "DNS"
    return "IP"


def server_context(
    return_url: ReturnUrl, certfile: Path | None, keyfile: Path | None
) -> ssl.SSLContext | None:
    """The TLS context an https:// return URL is served with (None for http://), or a usage
    error saying how to get a certificate."""
    if not return_url.tls:
        note_unused(certfile, keyfile, "the redirect URI is http://")
        return None
    if certfile is None:
        raise ConfigurationError(
            f"The redirect URI {return_url} is https://, so it must be served over TLS: pass "
            "`certfile` and `keyfile` naming a certificate "
            f"for its host. {make_a_certificate(return_url.url.host or '')}",
            parameter="certfile",
            parameters=_NAMED,
        )
    import ssl  # here: a plain http:// login (most of them) never needs it

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile, password=_no_password)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigurationError(
            f"Cannot use the certificate {certfile}"
            + (f" with the key {keyfile}" if keyfile else "")
            + f": {reason}. Give a PEM certificate and its unencrypted PEM key "
            f"(`certfile`, `keyfile`). {make_a_certificate(return_url.url.host or '')}",
            parameter="certfile",
            parameters=_NAMED,
        ) from None
    return context


def note_unused(certfile: Path | None, keyfile: Path | None, why: str) -> None:
    if certfile is not None or keyfile is not None:
        log.warning(
            "The certificate and key (`certfile`, `keyfile`) are not used: %s.",
            why,
            extra={"parameters": _NAMED},
        )


def _no_password() -> str:
    # Without this, OpenSSL would prompt on the terminal for a key's passphrase.
    raise ValueError("the key is encrypted with a passphrase; give an unencrypted key")


def looks_like_tls(first_bytes: bytes) -> bool:
    """Whether a connection's first bytes are a TLS handshake rather than an HTTP request."""
    if not first_bytes or first_bytes[0] != _TLS_HANDSHAKE:
        return False
    return len(first_bytes) < 2 or first_bytes[1] == _TLS_MAJOR


#: The log record's ``extra`` for ``tls_on_plain_hint``: the parameters it names.
TLS_HINT_PARAMETERS = {"parameters": _NAMED}


def tls_on_plain_hint(return_url: str) -> str:
    """One line for the person waiting: what happened, and the ways out."""
    return (
        f"A browser spoke TLS (https) to {return_url}, which is plain http: it upgraded the "
        "address itself (HSTS for this host, or a proxy). Either register an https:// return "
        "URL and serve it with `certfile` and `keyfile`, or clear the browser's HSTS entry for "
        "this host (or use 127.0.0.1 instead of localhost), or use `paste`. Still waiting."
    )
