"""Parsing cosign v3 Sigstore bundles: versions, envelopes, statements (no registry)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from tagpilot.verify.bundles import BundleError, parse_bundle, statement_error

DIGEST = "sha256:" + "a" * 64


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _bundle(**changes: Any) -> bytes:
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {"name": "x", "digest": {"sha256": "b" * 64}},
            {"digest": {"sha256": "a" * 64}},
        ],
        "predicateType": "https://sigstore.dev/cosign/sign/v1",
        "predicate": {},
    }
    doc: dict[str, Any] = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": "x"}},
        "dsseEnvelope": {
            "payload": _b64(json.dumps(statement).encode()),
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [{"sig": _b64(b"sig")}],
        },
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def test_a_v03_bundle_is_read_and_its_pae_is_dsse_v1() -> None:
    bundle = parse_bundle(_bundle())
    assert bundle.signatures == (b"sig",) and bundle.certificate is None
    assert bundle.pae().startswith(b"DSSEv1 28 application/vnd.in-toto+json ")
    assert statement_error(bundle, DIGEST) is None  # any subject naming the digest suffices


@pytest.mark.parametrize(
    "media",
    [
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle.v0.4+json",
    ],
)
def test_v03_and_later_media_types(media: str) -> None:
    assert parse_bundle(_bundle(mediaType=media)).payload_type


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1"}, "too old"),
        ({"mediaType": "text/plain"}, "too old"),
        ({"dsseEnvelope": None, "messageSignature": {}}, "does not contain a DSSE envelope"),
        ({"verificationMaterial": None}, "no verification material"),
    ],
)
def test_unusable_bundles(changes: dict[str, Any], error: str) -> None:
    with pytest.raises(BundleError, match=error):
        parse_bundle(_bundle(**changes))


def test_bad_envelopes() -> None:
    for envelope, error in (
        ({"payload": "!!", "payloadType": "t", "signatures": [{"sig": "AA=="}]}, "not base64"),
        ({"payload": "AA==", "payloadType": "t", "signatures": []}, "no signatures"),
        ({"payloadType": "t", "signatures": [{"sig": "AA=="}]}, "payload missing"),
    ):
        with pytest.raises(BundleError, match=error):
            parse_bundle(_bundle(dsseEnvelope=envelope))
    with pytest.raises(BundleError, match="not valid JSON"):
        parse_bundle(b"{")


def test_certificate_from_either_material() -> None:
    v03 = parse_bundle(_bundle(verificationMaterial={"certificate": {"rawBytes": _b64(b"der")}}))
    chain = {"x509CertificateChain": {"certificates": [{"rawBytes": _b64(b"leaf")}]}}
    v01 = parse_bundle(_bundle(verificationMaterial=chain))
    assert (v03.certificate, v01.certificate) == (b"der", b"leaf")


def test_statements_that_do_not_bind_the_digest() -> None:
    other = parse_bundle(_bundle())
    assert (
        statement_error(other, "sha256:" + "c" * 64)
        == f"no in-toto subject names sha256:{'c' * 64}"
    )
    envelope = {"payload": _b64(b'{"_type":"x"}'), "payloadType": "application/vnd.in-toto+json"}
    wrong_type = parse_bundle(_bundle(dsseEnvelope={**envelope, "signatures": [{"sig": "AA=="}]}))
    assert statement_error(wrong_type, DIGEST) == "the DSSE payload is not an in-toto statement"
    envelope["payloadType"] = "application/json"
    not_intoto = parse_bundle(_bundle(dsseEnvelope={**envelope, "signatures": [{"sig": "AA=="}]}))
    assert statement_error(not_intoto, DIGEST) == "unexpected DSSE payload type 'application/json'"
