"""The tests' own Sigstore instance: Fulcio CA, CT log and Rekor keys, made with ``cryptography``.

What it signs is what ``cosign sign`` (keyless) stores, independently of tagpilot's code: a leaf
certificate issued by an intermediate ("Fulcio") under a root CA, with the email or URI SAN, the
OIDC issuer extensions and an SCT from the CT log key embedded as Fulcio embeds it (over the
precertificate TBS, RFC 6962); a ``hashedrekord`` 0.0.1 entry and its SET (Rekor's signature over
the canonical JSON ``{body, integratedTime, logID, logIndex}``) in the
``dev.sigstore.cosign/bundle`` annotation; the certificate and chain annotations. The trust root
is written as a protobuf-specs ``TrustedRoot`` JSON, the format of sigstore's ``trusted_root.json``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.cosign import OCI_MANIFEST, SIMPLE_SIGNING, payload
from tests.support.registry import _Pusher

OIDC_ISSUER_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
OIDC_ISSUER_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
SCT_LIST = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
#: The certificate subject of the suites' release workflow, and the identity regexp it matches.
WORKFLOW = "https://github.com/org/app/.github/workflows/release.yaml@refs/tags/v1.0.0"
WORKFLOW_SUBJECTS = "^https://github.com/org/app/"
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _spki(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _der_octet_string(data: bytes) -> bytes:
    n = len(data)
    if n < 0x80:
        return b"\x04" + bytes([n]) + data
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\x04" + bytes([0x80 | len(size)]) + size + data


def _der_utf8(text: str) -> bytes:
    raw = text.encode()
    assert len(raw) < 0x80
    return b"\x0c" + bytes([len(raw)]) + raw


@dataclass
class Signed:
    """One keyless signature: payload, raw signature and the layer annotations."""

    payload: bytes
    signature: bytes
    annotations: dict[str, str]


@dataclass
class LocalSigstore:
    """Root CA -> intermediate (Fulcio), a CT log key, a Rekor key; all P-256."""

    name: str = "tagpilot-test"
    root_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    fulcio_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    ct_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    rekor_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    log_index: int = 1000

    def __post_init__(self) -> None:
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} root")])
        fulcio_name = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} intermediate")]
        )
        far = EPOCH + dt.timedelta(days=36500)
        root_pub, fulcio_pub = self.root_key.public_key(), self.fulcio_key.public_key()
        self.root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(EPOCH)
            .not_valid_after(far)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_pub), critical=False)
            .sign(self.root_key, hashes.SHA256())
        )
        self.fulcio = (
            x509.CertificateBuilder()
            .subject_name(fulcio_name)
            .issuer_name(root_name)
            .public_key(fulcio_pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(EPOCH)
            .not_valid_after(far)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(fulcio_pub), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_pub), critical=False
            )
            .sign(self.root_key, hashes.SHA256())
        )

    # ------------------------------------------------------------------ trust root

    @property
    def rekor_log_id(self) -> bytes:
        return hashlib.sha256(_spki(self.rekor_key.public_key())).digest()

    @property
    def ct_log_id(self) -> bytes:
        return hashlib.sha256(_spki(self.ct_key.public_key())).digest()

    def trusted_root(self) -> bytes:
        """The protobuf-specs ``TrustedRoot`` JSON of this instance."""

        def log(url: str, key: Any, log_id: bytes) -> dict[str, Any]:
            return {
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": base64.b64encode(_spki(key.public_key())).decode(),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": "2020-01-01T00:00:00Z"},
                },
                "logId": {"keyId": base64.b64encode(log_id).decode()},
            }

        der = serialization.Encoding.DER
        doc = {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log("https://rekor.invalid", self.rekor_key, self.rekor_log_id)],
            "certificateAuthorities": [
                {
                    "subject": {"organization": self.name, "commonName": self.name},
                    "uri": "https://fulcio.invalid",
                    "certChain": {
                        "certificates": [
                            {"rawBytes": base64.b64encode(c.public_bytes(der)).decode()}
                            for c in (self.fulcio, self.root)
                        ]
                    },
                    "validFor": {"start": "2020-01-01T00:00:00Z"},
                }
            ],
            "ctlogs": [log("https://ctfe.invalid", self.ct_key, self.ct_log_id)],
            "timestampAuthorities": [],
        }
        return json.dumps(doc, indent=2).encode()

    # ------------------------------------------------------------------ Fulcio

    def issue(
        self,
        key: Any,
        *,
        subject: str,
        issuer: str,
        not_before: dt.datetime,
        minutes: int = 10,
        sct: bool = True,
        ct_key: Any = None,
    ) -> x509.Certificate:
        """A Fulcio-style leaf: empty subject, critical SAN, code signing, SCT embedded."""
        san: x509.GeneralName = (
            x509.UniformResourceIdentifier(subject)
            if "://" in subject
            else x509.RFC822Name(subject)
        )
        pub, fulcio_pub = key.public_key(), self.fulcio_key.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.fulcio.subject)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + dt.timedelta(minutes=minutes))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(fulcio_pub), critical=False
            )
            .add_extension(x509.SubjectAlternativeName([san]), critical=True)
            .add_extension(
                x509.UnrecognizedExtension(OIDC_ISSUER_V1, issuer.encode()), critical=False
            )
            .add_extension(
                x509.UnrecognizedExtension(OIDC_ISSUER_V2, _der_utf8(issuer)), critical=False
            )
        )
        if not sct:
            return builder.sign(self.fulcio_key, hashes.SHA256())
        precert_tbs = builder.sign(self.fulcio_key, hashes.SHA256()).tbs_certificate_bytes
        sct_list = self._sct(precert_tbs, not_before, ct_key or self.ct_key)
        cert = builder.add_extension(
            x509.UnrecognizedExtension(SCT_LIST, _der_octet_string(sct_list)), critical=False
        ).sign(self.fulcio_key, hashes.SHA256())
        assert cert.tbs_precertificate_bytes == precert_tbs
        return cert

    def _sct(self, tbs: bytes, when: dt.datetime, ct_key: Any) -> bytes:
        """A TLS-encoded ``SignedCertificateTimestampList`` with one v1 precert SCT."""
        millis = int(when.timestamp() * 1000)
        issuer_key_hash = hashlib.sha256(_spki(self.fulcio_key.public_key())).digest()
        signed = (
            struct.pack("!BBQH", 0, 0, millis, 1)  # v1, certificate_timestamp, time, precert
            + issuer_key_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + struct.pack("!H", 0)  # no extensions
        )
        signature = ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        log_id = hashlib.sha256(_spki(ct_key.public_key())).digest()
        sct = (
            struct.pack("!B", 0)
            + log_id
            + struct.pack("!QH", millis, 0)
            + struct.pack("!BBH", 4, 3, len(signature))  # sha256, ecdsa
            + signature
        )
        return struct.pack("!HH", len(sct) + 2, len(sct)) + sct

    # ------------------------------------------------------------------ Rekor

    def rekor_bundle(
        self,
        cert: x509.Certificate,
        signature: bytes,
        body_payload: bytes,
        integrated_time: int,
        *,
        rekor_key: Any = None,
    ) -> dict[str, Any]:
        """cosign's bundle annotation: the ``hashedrekord`` entry and Rekor's SET over it."""
        entry = {
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {
                    "hash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(body_payload).hexdigest(),
                    }
                },
                "signature": {
                    "content": base64.b64encode(signature).decode(),
                    "publicKey": {"content": base64.b64encode(_pem(cert).encode()).decode()},
                },
            },
        }
        body = base64.b64encode(
            json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
        ).decode()
        self.log_index += 1
        signer = rekor_key or self.rekor_key
        log_id = hashlib.sha256(_spki(signer.public_key())).hexdigest()
        promise = {
            "body": body,
            "integratedTime": integrated_time,
            "logID": log_id,
            "logIndex": self.log_index,
        }
        # RFC 8785 for these keys and values is sorted compact JSON (the test's own encoder).
        canonical = json.dumps(promise, sort_keys=True, separators=(",", ":")).encode()
        set_ = signer.sign(canonical, ec.ECDSA(hashes.SHA256()))
        return {
            "SignedEntryTimestamp": base64.b64encode(set_).decode(),
            "Payload": {
                "body": body,
                "integratedTime": integrated_time,
                "logIndex": self.log_index,
                "logID": log_id,
            },
        }

    # ------------------------------------------------------------------ cosign sign

    def sign(
        self,
        reference: str,
        digest: str,
        *,
        subject: str = "dev@example.com",
        issuer: str = "https://accounts.example.com",
        signed_at: dt.datetime | None = None,
        integrated_at: dt.datetime | None = None,
        tamper: bool = False,
        bundle: str = "ok",  # ok | missing | bad-set | wrong-key
        sct: bool = True,
        ct_key: Any = None,
    ) -> Signed:
        """What ``cosign sign`` (keyless) attaches for ``reference@digest``."""
        signed_at = signed_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.issue(
            key,
            subject=subject,
            issuer=issuer,
            not_before=signed_at - dt.timedelta(seconds=30),
            sct=sct,
            ct_key=ct_key,
        )
        body = payload(reference, digest)
        signature = bytes(key.sign(body, ec.ECDSA(hashes.SHA256())))
        when = int((integrated_at or signed_at).timestamp())
        rekor = self.rekor_bundle(
            cert,
            signature,
            body,
            when,
            rekor_key=ec.generate_private_key(ec.SECP256R1()) if bundle == "wrong-key" else None,
        )
        if bundle == "bad-set":
            raw = bytearray(base64.b64decode(rekor["SignedEntryTimestamp"]))
            raw[-1] ^= 0x01
            rekor["SignedEntryTimestamp"] = base64.b64encode(bytes(raw)).decode()
        if tamper:
            body = body.replace(b'"optional":null', b'"optional":{"x":"y"}')
        annotations = {
            "dev.cosignproject.cosign/signature": base64.b64encode(signature).decode(),
            "dev.sigstore.cosign/certificate": _pem(cert),
            "dev.sigstore.cosign/chain": _pem(self.fulcio) + _pem(self.root),
        }
        if bundle != "missing":
            annotations["dev.sigstore.cosign/bundle"] = json.dumps(rekor)
        return Signed(body, signature, annotations)


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def push_signatures(
    base_url: str,
    repo: str,
    digest: str,
    signatures: list[Signed],
    *,
    session: requests.Session | None = None,
    auth: tuple[str, str] | None = None,
) -> None:
    """Store the layers under ``sha256-<hex>.sig``, as cosign does (test pusher, not tagpilot)."""
    pusher = _Pusher(base_url, repo, session, auth)
    config = b"{}"
    layers = [
        {
            "mediaType": SIMPLE_SIGNING,
            "digest": pusher.blob(s.payload),
            "size": len(s.payload),
            "annotations": s.annotations,
        }
        for s in signatures
    ]
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": pusher.blob(config),
            "size": len(config),
        },
        "layers": layers,
    }
    pusher.manifest(digest.replace(":", "-") + ".sig", json.dumps(manifest).encode(), OCI_MANIFEST)
