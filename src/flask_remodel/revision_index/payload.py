"""The cache file's bytes: a JSON document sealed by a hash of itself.

The cache must never answer wrongly, and a cache file can be damaged in ways
that leave it valid JSON (a flipped digit, two entries' fields swapped by a
careless merge or a tool). So the file starts with a BLAKE2 hash of the JSON
that follows, and :func:`unseal` returns nothing unless the hash matches. It
then decodes strictly: no floats at all (``1e999``, ``NaN`` and ``Infinity``
would be accepted by :mod:`json`), and nesting that exhausts the stack is
just another unreadable file. Whatever it returns is a plain JSON value that
the caller still checks field by field.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# A sealed file: "<32 hex digits>\n<JSON>".
_SEAL_LENGTH = 32


class Unreadable(Exception):
    """The bytes are not a sealed document this module wrote."""


def _seal(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=_SEAL_LENGTH // 2).hexdigest().encode("ascii")


def seal(data: Any) -> bytes:
    """*data* as the bytes of a cache file."""
    body = json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return _seal(body) + b"\n" + body


def _no_floats(text: str) -> Any:
    raise Unreadable(f"a number the cache never writes: {text[:20]}")


def unseal(raw: bytes) -> Any:
    """The document sealed in *raw*; :class:`Unreadable` for anything else."""
    stored, newline, body = raw[:_SEAL_LENGTH], raw[_SEAL_LENGTH:][:1], raw[_SEAL_LENGTH + 1 :]
    if newline != b"\n" or stored != _seal(body):
        raise Unreadable("the hash does not match the content")
    try:
        return json.loads(
            body.decode("utf-8"), parse_float=_no_floats, parse_constant=_no_floats
        )
    except (ValueError, RecursionError) as exc:
        # ValueError: not JSON, not UTF-8, or an integer too long to convert.
        # RecursionError: nesting deeper than the interpreter's stack.
        raise Unreadable(str(exc)[:200]) from exc
