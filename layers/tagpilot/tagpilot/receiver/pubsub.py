"""The Pub/Sub push envelope of ``gcr`` receivers, decoded exactly as Flux decodes it."""

from __future__ import annotations

from typing import Any

from tagpilot.golang.json import DecodeError, Schema, decode_first, unmarshal
from tagpilot.receiver.errors import PayloadError

#: Flux's envelope struct; ``publishTime`` is a ``time.Time`` (an unparseable value fails).
ENVELOPE: Schema = {
    "message": {
        "data": "string",
        "messageId": "string",
        "publishTime": "time",
        "subscription": "string",
    }
}
#: The GCR / Artifact Registry notification carried base64-encoded in ``message.data``.
GCR_DATA: Schema = {"action": "string", "digest": "string", "tag": "string"}

_ALPHABET = {
    c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}


def decode_push(body: bytes) -> dict[str, Any]:
    """Decode a push body to the inner ``{action, digest, tag}``.

    The envelope is read with ``json.Decoder`` rules, ``message.data`` is base64-decoded with
    errors ignored (Go keeps the bytes decoded before the first bad quantum), and the result must
    ``json.Unmarshal`` strictly.

    Raises
    ------
    PayloadError
        The envelope or the inner notification does not decode.

    Examples
    --------
    >>> decode_push(b'{"message":{"data":"eyJhY3Rpb24iOiJJTlNFUlQifQ=="}}')["action"]
    'INSERT'
    """
    try:
        envelope = decode_first(body, ENVELOPE, "GCR webhook payload")
        raw = go_base64_lenient(envelope["message"]["data"])
        return unmarshal(raw, GCR_DATA, "GCR webhook body")
    except DecodeError as exc:
        raise PayloadError(str(exc)) from None


def go_base64_lenient(text: str) -> bytes:
    """``base64.StdEncoding.DecodeString`` with its error ignored: the decoded prefix.

    Go skips CR and LF, decodes 4-character quanta, stops at the first invalid quantum (which
    contributes nothing) and keeps a correctly padded final quantum even if garbage follows.

    Examples
    --------
    >>> go_base64_lenient("YWJj*ZGVm"), go_base64_lenient("YWI=garbage")
    (b'abc', b'ab')
    """
    data = text.encode("utf-8", errors="surrogatepass").replace(b"\r", b"").replace(b"\n", b"")
    out = bytearray()
    for start in range(0, len(data), 4):
        quantum = data[start : start + 4]
        stripped = quantum.rstrip(b"=")
        pads = len(quantum) - len(stripped)
        if len(quantum) < 4 or any(c not in _ALPHABET for c in stripped):
            break
        if pads and (len(stripped) < 2 or pads > 2):
            break
        bits = 0
        for char in stripped:
            bits = bits << 6 | _ALPHABET[char]
        bits <<= 6 * pads
        out += bits.to_bytes(3, "big")[: len(stripped) - 1]
        if pads:
            break  # padding ends the data; anything after it is ignored garbage
    return bytes(out)
