"""Make cosign signatures in the tests, with ``cryptography`` only (cosign's own storage format).

``sign_and_push`` writes what ``cosign sign --key`` writes: the simple-signing payload as a layer
blob of media type ``application/vnd.dev.cosign.simplesigning.v1+json``, its base64 signature in
the ``dev.cosignproject.cosign/signature`` annotation, under the tag ``sha256-<hex>.sig`` of the
same repository, pushed with the test pusher (not with tagpilot's client).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from tests.support.registry import _Pusher

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class KeyPair:
    kind: str
    private: Any

    @property
    def public_pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, data: bytes) -> bytes:
        if self.kind == "ecdsa":
            return bytes(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        if self.kind == "rsa":
            return bytes(self.private.sign(data, padding.PKCS1v15(), hashes.SHA256()))
        return bytes(self.private.sign(data))


def generate(kind: str = "ecdsa") -> KeyPair:
    """A fresh key: ``ecdsa`` (P-256, cosign's default), ``rsa`` (2048) or ``ed25519``."""
    if kind == "ecdsa":
        return KeyPair(kind, ec.generate_private_key(ec.SECP256R1()))
    if kind == "rsa":
        return KeyPair(kind, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return KeyPair(kind, ed25519.Ed25519PrivateKey.generate())


def payload(reference: str, digest: str) -> bytes:
    doc = {
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def sign_and_push(
    base_url: str,
    repo: str,
    digest: str,
    keys: list[KeyPair],
    *,
    host: str,
    session: requests.Session | None = None,
    auth: tuple[str, str] | None = None,
    signed_digest: str | None = None,
    tamper: bool = False,
) -> str:
    """Attach one signature per key to ``repo@digest``; returns the ``.sig`` manifest digest.

    ``signed_digest`` puts another digest in the payload (a signature copied from another
    artifact); ``tamper`` changes the payload after signing.
    """
    pusher = _Pusher(base_url, repo, session, auth)
    config = b"{}"
    config_desc = {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": pusher.blob(config),
        "size": len(config),
    }
    layers = []
    for key in keys:
        body = payload(f"{host}/{repo}", signed_digest or digest)
        signature = key.sign(body)
        if tamper:
            body = body.replace(b'"optional":null', b'"optional":{"x":"y"}')
        layers.append(
            {
                "mediaType": SIMPLE_SIGNING,
                "digest": pusher.blob(body),
                "size": len(body),
                "annotations": {
                    "dev.cosignproject.cosign/signature": base64.b64encode(signature).decode()
                },
            }
        )
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config_desc,
        "layers": layers,
    }
    raw = json.dumps(manifest).encode()
    pusher.manifest(digest.replace(":", "-") + ".sig", raw, OCI_MANIFEST)
    import hashlib

    return "sha256:" + hashlib.sha256(raw).hexdigest()
