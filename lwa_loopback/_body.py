"""A token endpoint's answer, read within a size limit, counted after decompression.

LWA's answers are under 4 KiB; anything past ``MAX_BODY`` is refused as it streams in, so a
server (or a proxy in between) that sends an endless body, or a small gzip body that inflates to
gigabytes, cannot exhaust memory. aiohttp's own decompression inflates each chunk whole, so the
session asks for raw bytes (``auto_decompress=False``) and they are inflated here, a bounded
amount at a time.
"""

from __future__ import annotations

import zlib

from ._token_json import MAX_FILE_SIZE

TYPE_CHECKING = False
if TYPE_CHECKING:
    import aiohttp

#: The largest answer read from a token endpoint, decompressed: the token file's own limit,
#: since an answer larger than the file may be could only be refused after the code is spent.
MAX_BODY = MAX_FILE_SIZE
#: Content codings we offer (and can undo with zlib); a server must not use any other.
ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The answer grew past ``MAX_BODY`` (after decompression)."""


class UnknownEncoding(Exception):
    """The answer came in a content coding that was not offered."""


async def read_bounded(response: aiohttp.ClientResponse, limit: int = MAX_BODY) -> bytes:
    """The response's body, decompressed, or ``BodyTooLarge`` as soon as it passes ``limit``."""
    inflate = _inflater(response.headers.get("Content-Encoding", ""))
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        data = chunk
        while data:
            # max_length bounds what one call may produce: a bomb inflates a little at a time.
            out = inflate.decompress(data, limit + 1 - len(body)) if inflate else data
            body += out
            if len(body) > limit:
                raise BodyTooLarge
            data = inflate.unconsumed_tail if inflate else b""
    if inflate is not None:
        body += inflate.flush()
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def _inflater(encoding: str) -> zlib._Decompress | None:
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return zlib.decompressobj()  # zlib-wrapped, as RFC 9110 defines "deflate"
    raise UnknownEncoding(coding)
