"""cosign v3 signatures in the tests: Sigstore bundles pushed as OCI referrers.

What ``cosign sign`` (v3, ``--new-bundle-format``, the default) writes, after
``cmd/cosign/cli/sign/sign.go`` ``signDigestBundle`` and ``pkg/oci/remote/write.go``
``WriteReferrer``: an in-toto statement naming the image digest (predicate type
``https://sigstore.dev/cosign/sign/v1``) in a DSSE envelope, in a v0.3 bundle with the
verification material (a public-key hint, or the Fulcio certificate with a Rekor ``dsse``
entry, its inclusion promise and a one-leaf inclusion proof with a signed checkpoint), pushed
as a manifest with ``artifactType``, an empty config and ``subject``; on a registry without the
referrers API (Debian's docker-registry 2.8) go-containerregistry also maintains the referrers
tag ``sha256-<hex>``, an index listing the referrer, which is done here the same way. Built
with ``cryptography`` and the test pusher, not tagpilot's code.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from tests.support.cosign import OCI_MANIFEST, KeyPair
from tests.support.fulcio import LocalSigstore, _pem, _spki
from tests.support.registry import _Pusher

BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
INTOTO = "application/vnd.in-toto+json"
COSIGN_SIGN = "https://sigstore.dev/cosign/sign/v1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def statement(digest: str, predicate_type: str = COSIGN_SIGN) -> bytes:
    """The in-toto statement cosign v3 signs (protojson of ``intotov1.Statement``)."""
    algorithm, _, value = digest.partition(":")
    doc = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"digest": {algorithm: value}}],
        "predicateType": predicate_type,
        "predicate": {},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _envelope(payload: bytes, signature: bytes) -> dict[str, Any]:
    return {"payload": b64(payload), "payloadType": INTOTO, "signatures": [{"sig": b64(signature)}]}


def key_bundle(key: KeyPair, payload: bytes, *, tamper: bool = False) -> bytes:
    """``cosign sign --key``: the envelope signed with the key, a public-key hint."""
    signature = key.sign(pae(INTOTO, payload))
    if tamper:
        payload = payload.replace(b'"predicate":{}', b'"predicate":{"x":"y"}')
    hint = b64(hashlib.sha256(_spki(key.private.public_key())).digest())
    doc = {
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {"publicKey": {"hint": hint}, "tlogEntries": []},
        "dsseEnvelope": _envelope(payload, signature),
    }
    return json.dumps(doc).encode()


def keyless_bundle(
    sigstore: LocalSigstore,
    payload: bytes,
    *,
    subject: str = "dev@example.com",
    issuer: str = "https://accounts.example.com",
    checkpoint_key: Any = None,
    tamper: bool = False,
) -> bytes:
    """``cosign sign`` keyless: a Fulcio certificate and a Rekor v1 ``dsse`` entry."""
    signed_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = sigstore.issue(
        key, subject=subject, issuer=issuer, not_before=signed_at - dt.timedelta(seconds=30)
    )
    signature = bytes(key.sign(pae(INTOTO, payload), ec.ECDSA(hashes.SHA256())))
    envelope = _envelope(payload, signature)
    body = {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {
                "algorithm": "sha256",
                "value": hashlib.sha256(json.dumps(envelope).encode()).hexdigest(),
            },
            "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
            "signatures": [{"signature": b64(signature), "verifier": b64(_pem(cert).encode())}],
        },
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    integrated = int(signed_at.timestamp())
    log_id = sigstore.rekor_log_id
    promise = {
        "body": b64(canonical),
        "integratedTime": integrated,
        "logID": log_id.hex(),
        "logIndex": 0,
    }
    set_ = sigstore.rekor_key.sign(
        json.dumps(promise, sort_keys=True, separators=(",", ":")).encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    root = hashlib.sha256(b"\x00" + canonical).digest()  # a one-leaf tree: the leaf hash
    note = f"{sigstore.name} - 1\n1\n{b64(root)}\n"
    signer = checkpoint_key or sigstore.rekor_key
    note_sig = signer.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
    checkpoint = f"{note}\n\u2014 {sigstore.name} {b64(log_id[:4] + note_sig)}\n"
    if tamper:
        envelope["payload"] = b64(payload.replace(b'"predicate":{}', b'"predicate":{"x":"y"}'))
    doc = {
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(cert.public_bytes(Encoding.DER))},
            "tlogEntries": [
                {
                    "logIndex": "0",
                    "logId": {"keyId": b64(log_id)},
                    "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                    "integratedTime": str(integrated),
                    "inclusionPromise": {"signedEntryTimestamp": b64(set_)},
                    "inclusionProof": {
                        "logIndex": "0",
                        "rootHash": b64(root),
                        "treeSize": "1",
                        "hashes": [],
                        "checkpoint": {"envelope": checkpoint},
                    },
                    "canonicalizedBody": b64(canonical),
                }
            ],
        },
        "dsseEnvelope": envelope,
    }
    return json.dumps(doc).encode()


def push_bundle(
    base_url: str,
    repo: str,
    digest: str,
    bundle: bytes,
    *,
    auth: tuple[str, str] | None = None,
    artifact_type: str = BUNDLE_V03,
) -> str:
    """Attach ``bundle`` to ``repo@digest`` as cosign v3 does; returns the referrer's digest."""
    pusher = _Pusher(base_url, repo, None, auth)
    subject = pusher.request("HEAD", f"/v2/{repo}/manifests/{digest}", accept=OCI_MANIFEST)
    config = b"{}"
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": EMPTY_CONFIG, "digest": pusher.blob(config), "size": 2},
        "layers": [{"mediaType": BUNDLE_V03, "digest": pusher.blob(bundle), "size": len(bundle)}],
        "subject": {
            "mediaType": OCI_MANIFEST,
            "digest": digest,
            "size": int(subject.headers.get("Content-Length", 0)),
        },
        "annotations": {
            "dev.sigstore.bundle.content": "dsse-envelope",
            "dev.sigstore.bundle.predicateType": COSIGN_SIGN,
        },
    }
    raw = json.dumps(manifest).encode()
    referrer = "sha256:" + hashlib.sha256(raw).hexdigest()
    pusher.manifest(referrer, raw, OCI_MANIFEST)
    tag = digest.replace(":", "-", 1)
    current = pusher.request("GET", f"/v2/{repo}/manifests/{tag}", accept=INDEX)
    index = (
        current.json()
        if current.status_code == 200
        else {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}
    )
    index["manifests"].append(
        {
            "mediaType": OCI_MANIFEST,
            "digest": referrer,
            "size": len(raw),
            "artifactType": artifact_type,
            "annotations": manifest["annotations"],
        }
    )
    pusher.manifest(tag, json.dumps(index).encode(), INDEX)
    return referrer
