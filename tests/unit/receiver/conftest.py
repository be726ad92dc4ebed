"""Fixtures for the receiver unit tests: the committed samples, seeded RSA keys, a fake store."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from ruamel.yaml import YAML
from tagpilot.api.receiver import parse_receiver
from tagpilot.api.secret import validate_secret
from tagpilot.api.validation import Checker
from tagpilot.receiver.gcr import GcrTokenVerifier
from tagpilot.receiver.request import Headers, WebhookRequest, from_apigw_v2
from tagpilot.receiver.spec import Receiver

from events.make_webhook_events import seeded_rsa_key

EVENTS = Path(__file__).resolve().parents[3] / "events"


@dataclass(frozen=True)
class Sample:
    """One committed webhook event with the Receiver and Secret it belongs to."""

    file: str
    event: dict[str, Any]
    receiver: Receiver
    secret: dict[str, str]
    request: WebhookRequest

    @property
    def token(self) -> str:
        return self.secret["token"]

    def with_headers(self, **changes: str | None) -> WebhookRequest:
        """The request with headers set (``name=value``) or removed (``name=None``)."""
        headers = dict(self.request.headers.items())
        for name, value in changes.items():
            key = name.replace("_", "-").lower()
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = value
        return replace(self.request, headers=Headers.of(headers))


def load_receivers() -> tuple[dict[str, Receiver], dict[tuple[str, str], dict[str, str]]]:
    receivers: dict[str, Receiver] = {}
    secrets: dict[tuple[str, str], dict[str, str]] = {}
    with (EVENTS / "receivers.yaml").open(encoding="utf-8") as stream:
        for doc in YAML(typ="safe").load_all(stream):
            if doc["kind"] == "Secret":
                meta = doc["metadata"]
                check = Checker()
                data = validate_secret(doc, check)["data"]
                assert check.errors == []
                secrets[(meta["namespace"], meta["name"])] = data
            else:
                receiver = parse_receiver(doc)
                receivers[f"{receiver.namespace}/{receiver.name}"] = receiver
    return receivers, secrets


def load_samples() -> dict[str, Sample]:
    """Every ``events/webhook-*.json``, matched to its Receiver by webhook path."""
    receivers, secrets = load_receivers()
    by_path = {}
    for receiver in receivers.values():
        secret = secrets[(receiver.namespace, receiver.spec.secret_name)]
        by_path[receiver.webhook_path(secret["token"])] = (receiver, secret)
    samples = {}
    for path in sorted(EVENTS.glob("webhook-*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        request = from_apigw_v2(event)
        receiver, secret = by_path[request.path]
        samples[receiver.spec.type] = Sample(path.name, event, receiver, secret, request)
    return samples


@pytest.fixture(scope="session")
def samples() -> dict[str, Sample]:
    return load_samples()


def sign(kind: str, token: str, body: bytes) -> dict[str, str | None]:
    """Headers that make ``body`` correctly signed for ``kind`` (empty for unsigned types)."""

    def mac(algo: str) -> str:
        return hmac.new(token.encode(), body, algo).hexdigest()

    if kind == "generic-hmac":
        return {"X-Signature": "sha256=" + mac("sha256")}
    if kind in ("github", "bitbucket"):
        return {"X-Hub-Signature-256": "sha256=" + mac("sha256"), "X-Hub-Signature": None}
    if kind == "nexus":
        return {"X-Nexus-Webhook-Signature": mac("sha1")}
    return {}


@pytest.fixture(scope="session")
def sample_gcr_verifier(samples: dict[str, Sample]) -> GcrTokenVerifier:
    """Verifies the GCR sample's JWT: the committed JWKS, the clock at the event's time."""
    jwks = json.loads((EVENTS / "gcr-jwks.json").read_text(encoding="utf-8"))
    now = samples["gcr"].event["requestContext"]["timeEpoch"] / 1000
    return GcrTokenVerifier(lambda url: jwks, clock=lambda: now)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class JwtFactory:
    """Signs test JWTs and serves the matching JWKS."""

    key: rsa.RSAPrivateKey
    kid: str = "test-kid"
    fetches: list[str] = field(default_factory=list)

    def token(
        self,
        claims: Mapping[str, Any],
        *,
        alg: str = "RS256",
        kid: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        header = b64url(json.dumps({"alg": alg, "kid": kid or self.kid, "typ": "JWT"}).encode())
        payload = b64url(json.dumps(dict(claims)).encode())
        signed = f"{header}.{payload}".encode()
        signature = (key or self.key).sign(signed, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{b64url(signature)}"

    def jwks(self, url: str) -> dict[str, Any]:
        self.fetches.append(url)
        numbers = self.key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        return {
            "keys": [{"kty": "RSA", "kid": self.kid, "n": b64url(n), "e": b64url(b"\x01\x00\x01")}]
        }


@pytest.fixture(scope="session")
def rsa_keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    return (
        seeded_rsa_key("tagpilot-tests/google", bits=1024),
        seeded_rsa_key("tagpilot-tests/attacker", bits=1024),
    )


@pytest.fixture
def jwt_factory(rsa_keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]) -> JwtFactory:
    return JwtFactory(rsa_keys[0])


@dataclass(frozen=True)
class FakeObject:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass
class FakeStore:
    """In-memory ObjectLookup: objects keyed by (kind, namespace); records calls."""

    objects: dict[tuple[str, str], list[FakeObject]] = field(default_factory=dict)
    fail_on: set[tuple[str, str]] = field(default_factory=set)

    def add(self, kind: str, namespace: str, name: str, **labels: str) -> FakeStore:
        self.objects.setdefault((kind, namespace), []).append(FakeObject(name, labels))
        return self

    def get(self, kind: str, namespace: str, name: str) -> FakeObject | None:
        if (kind, namespace) in self.fail_on:
            raise ConnectionError("store down")
        return next((o for o in self.objects.get((kind, namespace), []) if o.name == name), None)

    def list(self, kind: str, namespace: str) -> Iterable[FakeObject]:
        if (kind, namespace) in self.fail_on:
            raise ConnectionError("store down")
        return list(self.objects.get((kind, namespace), []))


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def store_factory() -> type[FakeStore]:
    return FakeStore


@pytest.fixture
def signer() -> Callable[[str, str, bytes], dict[str, str | None]]:
    """``sign(kind, token, body)``: header changes that sign ``body`` correctly."""
    return sign
