"""OCI content: manifests and blobs, read and written (distribution spec v1.1).

Built on :meth:`RegistryClient.call`, so authentication, TLS, proxies, deadlines and error
mapping are those of the tag listing. Used by the OCIRepository reconciler, the cosign verifier
and the ``push|pull|tag artifact`` commands.

Every blob read is checked against its digest; a manifest read by digest is checked too, and a
manifest read by tag is hashed to give its digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

import requests

from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import MANIFEST_MEDIA_TYPES, RegistryCall, RegistryClient
from tagpilot.registry.errors import (
    MalformedResponseError,
    ManifestNotFoundError,
    RegistryConnectionError,
    RegistryError,
    RepositoryNotFoundError,
)
from tagpilot.registry.names import ImageName
from tagpilot.registry.transport import check_status

_ACCEPT = ", ".join(MANIFEST_MEDIA_TYPES)
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
CHUNK = 1 << 20
#: Manifests bigger than this are refused (distribution's own limit is 4 MiB).
MAX_MANIFEST_BYTES = 4 << 20


class BlobTooLargeError(RegistryError):
    """A blob is larger than the caller accepts."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="blob too large")


class DigestMismatchError(RegistryError):
    """Content did not hash to the digest it was fetched by."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="digest mismatch")


@dataclass(frozen=True)
class Manifest:
    """A manifest or index as the registry served it."""

    digest: str
    media_type: str
    raw: bytes
    body: dict[str, Any]

    @property
    def annotations(self) -> dict[str, str] | None:
        value = self.body.get("annotations")
        return dict(value) if isinstance(value, dict) else None

    @property
    def layers(self) -> list[dict[str, Any]]:
        value = self.body.get("layers")
        return [d for d in value if isinstance(d, dict)] if isinstance(value, list) else []

    @property
    def is_index(self) -> bool:
        return isinstance(self.body.get("manifests"), list) and "layers" not in self.body


def is_digest(text: str) -> bool:
    """``sha256:<64 hex>``."""
    return bool(_DIGEST.fullmatch(text))


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _url(call: RegistryCall, name: ImageName, kind: str, reference: str) -> str:
    return f"{call.origin}/v2/{name.repository}/{kind}/{quote(reference, safe=':')}"


def head_manifest(
    client: RegistryClient, name: ImageName, reference: str, auth: RegistryAuth, timeout: float
) -> str:
    """The digest of ``reference`` (a tag or digest), by ``HEAD`` (``GET`` when no header)."""
    return client.head_digest(name, reference, auth, timeout)


def get_manifest(
    client: RegistryClient, name: ImageName, reference: str, auth: RegistryAuth, timeout: float
) -> Manifest:
    """``GET`` a manifest by tag or digest; a digest reference must match the bytes served."""
    call = client.call(name, auth, timeout)
    url = _url(call, name, "manifests", reference)
    response = call.request("GET", url, _ACCEPT)
    check_status(response, ManifestNotFoundError)
    raw = response.content
    if len(raw) > MAX_MANIFEST_BYTES:
        raise MalformedResponseError(f"GET {url}: manifest larger than {MAX_MANIFEST_BYTES} bytes")
    digest = digest_of(raw)
    if is_digest(reference) and digest != reference:
        raise DigestMismatchError(f"GET {url}: manifest digest is {digest}")
    try:
        body = json.loads(raw)
    except ValueError:
        raise MalformedResponseError(f"GET {url}: manifest is not valid JSON") from None
    if not isinstance(body, dict):
        raise MalformedResponseError(f"GET {url}: manifest is not a JSON object")
    media = str(body.get("mediaType") or response.headers.get("Content-Type", "")).split(";")[0]
    return Manifest(digest, media.strip(), raw, body)


def iter_blob(
    client: RegistryClient,
    name: ImageName,
    digest: str,
    auth: RegistryAuth,
    timeout: float,
    *,
    max_size: int | None = None,
) -> Iterator[bytes]:
    """Stream a blob in chunks; the digest is checked after the last chunk.

    Raises
    ------
    BlobTooLargeError
        The blob announces, or turns out to be, larger than ``max_size``.
    DigestMismatchError
        The bytes do not hash to ``digest`` (raised after the last chunk: callers must not
        commit what they wrote before the iterator is exhausted).
    """
    call = client.call(name, auth, timeout)
    url = _url(call, name, "blobs", digest)
    response = call.request("GET", url, "*/*", stream=True)
    try:
        check_status(response, ManifestNotFoundError)
        length = response.headers.get("Content-Length")
        if max_size is not None and length and length.isdigit() and int(length) > max_size:
            raise BlobTooLargeError(f"blob {digest} is {length} bytes, over {max_size}")
        hasher = hashlib.sha256()
        total = 0
        chunks = response.iter_content(CHUNK)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except (requests.RequestException, OSError) as exc:  # the body broke off
                raise RegistryConnectionError(
                    f"GET {url}: reading the blob failed: {type(exc).__name__}"
                ) from None
            total += len(chunk)
            if max_size is not None and total > max_size:
                raise BlobTooLargeError(f"blob {digest} is over {max_size} bytes")
            hasher.update(chunk)
            yield chunk
        actual = "sha256:" + hasher.hexdigest()
        if actual != digest:
            raise DigestMismatchError(f"GET {url}: blob digest is {actual}")
    finally:
        response.close()


def get_blob(
    client: RegistryClient,
    name: ImageName,
    digest: str,
    auth: RegistryAuth,
    timeout: float,
    *,
    max_size: int | None = None,
) -> bytes:
    """A whole (small) blob, digest-checked."""
    return b"".join(iter_blob(client, name, digest, auth, timeout, max_size=max_size))


def list_tags(
    client: RegistryClient, name: ImageName, auth: RegistryAuth, timeout: float
) -> list[str]:
    return client.list_tags(name, auth, timeout)


def put_blob(
    client: RegistryClient, name: ImageName, data: bytes, auth: RegistryAuth, timeout: float
) -> str:
    """Upload ``data`` (monolithic POST + PUT) unless the registry has it; returns its digest."""
    digest = digest_of(data)
    call = client.call(name, auth, timeout, push=True)
    head = call.request("HEAD", _url(call, name, "blobs", digest), "*/*")
    if head.status_code == 200:
        return digest
    start = call.request("POST", f"{call.origin}/v2/{name.repository}/blobs/uploads/", "*/*")
    check_status(start, RepositoryNotFoundError)
    location = start.headers.get("Location")
    if not location:
        raise MalformedResponseError("POST blobs/uploads/: no Location header")
    location = urljoin(call.origin + "/", location)
    sep = "&" if "?" in location else "?"
    done = call.request(
        "PUT",
        f"{location}{sep}digest={digest}",
        "*/*",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    check_status(done, RepositoryNotFoundError)
    return digest


def put_manifest(
    client: RegistryClient,
    name: ImageName,
    reference: str,
    raw: bytes,
    media_type: str,
    auth: RegistryAuth,
    timeout: float,
) -> str:
    """``PUT`` a manifest under a tag (or its digest); returns the manifest digest."""
    call = client.call(name, auth, timeout, push=True)
    response = call.request(
        "PUT",
        _url(call, name, "manifests", reference),
        "*/*",
        data=raw,
        headers={"Content-Type": media_type},
    )
    check_status(response, RepositoryNotFoundError)
    return digest_of(raw)


#: The OCI 1.1 image index media type, which the referrers API and the tag schema serve.
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"


def referrers(
    client: RegistryClient, name: ImageName, digest: str, auth: RegistryAuth, timeout: float
) -> list[dict[str, Any]]:
    """The descriptors of the manifests whose ``subject`` is ``digest`` (OCI distribution 1.1).

    The referrers API (``GET /v2/<name>/referrers/<digest>``) first; a registry without it
    answers 404 (or 400, 406, or a 200 that is not an index), and then the referrers tag schema
    is read, as go-containerregistry does: the index tagged ``sha256-<hex>`` that clients such
    as cosign and oras maintain there. No index: none.
    """
    call = client.call(name, auth, timeout)
    url = _url(call, name, "referrers", digest)
    response = call.request("GET", url, INDEX_MEDIA_TYPE)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    unsupported = response.status_code in (400, 404, 406) or (
        response.status_code == 200 and content_type != INDEX_MEDIA_TYPE
    )
    if unsupported:
        response.close()
        try:
            index = get_manifest(client, name, digest.replace(":", "-", 1), auth, timeout)
        except ManifestNotFoundError:
            return []
        return _descriptors(index.body, f"tag {digest.replace(':', '-', 1)}")
    check_status(response, ManifestNotFoundError)
    if len(response.content) > MAX_MANIFEST_BYTES:
        raise MalformedResponseError(f"GET {url}: index larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise MalformedResponseError(f"GET {url}: referrers index is not valid JSON") from None
    return _descriptors(body, f"GET {url}")


def _descriptors(body: Any, where: str) -> list[dict[str, Any]]:
    manifests = body.get("manifests") if isinstance(body, dict) else None
    if not isinstance(manifests, list):
        raise MalformedResponseError(f"{where}: not an image index")
    return [d for d in manifests if isinstance(d, dict) and is_digest(str(d.get("digest")))]
