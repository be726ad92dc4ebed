"""GCR / Artifact Registry: the Pub/Sub push JWT and the envelope decoding."""

from __future__ import annotations

import base64
import json

import pytest
from tagpilot.receiver.errors import PayloadError, WebhookAuthError
from tagpilot.receiver.gcr import GOOGLE_CERTS_URL, GcrTokenVerifier, http_key_fetcher
from tagpilot.receiver.pubsub import decode_push, go_base64_lenient

pytestmark = pytest.mark.unit

NOW = 1_800_000_000
EMAIL = "push@example-project.iam.gserviceaccount.com"
AUDIENCE = "https://hooks.example.com/gar"


def claims(**changes):
    base = {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "sub": "1041",
        "azp": "1041",
        "email": EMAIL,
        "email_verified": True,
        "iat": NOW - 10,
        "exp": NOW + 3590,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def verifier_for(jwt_factory, now=NOW):
    return GcrTokenVerifier(jwt_factory.jwks, clock=Clock(now))


def test_valid_token_returns_its_claims(jwt_factory):
    token = jwt_factory.token(claims())
    verified = verifier_for(jwt_factory).verify(f"Bearer {token}", email=EMAIL, audience=AUDIENCE)
    assert verified["email"] == EMAIL
    assert jwt_factory.fetches == [GOOGLE_CERTS_URL]


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"iss": "accounts.google.com"}, True),
        ({"iss": "https://accounts.google.com/"}, False),
        ({"iss": "https://evil.example.com"}, False),
        ({"iss": None}, False),
        ({"aud": AUDIENCE + "/"}, False),
        ({"aud": [AUDIENCE]}, False),
        ({"exp": NOW - 1}, True),  # inside the 30 s leeway
        ({"exp": NOW - 31}, False),
        ({"exp": float(NOW + 100)}, False),
        ({"exp": None}, False),
        ({"iat": NOW + 29}, True),
        ({"iat": NOW + 31}, False),
        ({"email": "other@example-project.iam.gserviceaccount.com"}, False),
        ({"email": EMAIL.upper()}, False),
        ({"email": None}, False),
        ({"email_verified": False}, False),
        ({"email_verified": "true"}, False),
        ({"email_verified": None}, False),
    ],
)
def test_claim_checks(jwt_factory, changes, ok):
    authorization = "Bearer " + jwt_factory.token(claims(**changes))
    verifier = verifier_for(jwt_factory)
    if ok:
        assert verifier.verify(authorization, email=EMAIL, audience=AUDIENCE)["aud"] == AUDIENCE
    else:
        with pytest.raises(WebhookAuthError):
            verifier.verify(authorization, email=EMAIL, audience=AUDIENCE)


def test_signature_by_another_key_is_refused(jwt_factory, rsa_keys):
    token = jwt_factory.token(claims(), key=rsa_keys[1])
    with pytest.raises(WebhookAuthError, match="bad signature"):
        verifier_for(jwt_factory).verify(f"Bearer {token}", email=EMAIL, audience=AUDIENCE)


def test_tampered_claims_break_the_signature(jwt_factory):
    head, _, signature = jwt_factory.token(claims()).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims(email="x@y")).encode()).rstrip(b"=")
    token = f"{head}.{forged.decode()}.{signature}"
    with pytest.raises(WebhookAuthError):
        verifier_for(jwt_factory).verify(f"Bearer {token}", email="x@y", audience=AUDIENCE)


@pytest.mark.parametrize(
    "authorization",
    ["", "bearer {t}", "Bearer{t}", "Token {t}", "{t}", "Bearer  {t}", "Bearer {t}.x"],
)
def test_malformed_authorization(jwt_factory, authorization):
    value = authorization.format(t=jwt_factory.token(claims()))
    with pytest.raises(WebhookAuthError):
        verifier_for(jwt_factory).verify(value, email=EMAIL, audience=AUDIENCE)


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256", "RS512"])
def test_only_rs256_is_accepted(jwt_factory, alg):
    token = jwt_factory.token(claims(), alg=alg)
    with pytest.raises(WebhookAuthError):
        verifier_for(jwt_factory).verify(f"Bearer {token}", email=EMAIL, audience=AUDIENCE)


def test_padded_base64_segments_are_refused(jwt_factory):
    head, body, signature = jwt_factory.token(claims()).split(".")
    token = f"{head}.{body}{'=' * (-len(body) % 4) or '=='}.{signature}"
    with pytest.raises(WebhookAuthError):
        verifier_for(jwt_factory).verify(f"Bearer {token}", email=EMAIL, audience=AUDIENCE)


def test_keys_are_cached_and_unknown_kids_refetch_at_most_once_a_minute(jwt_factory):
    clock = Clock(NOW)
    verifier = GcrTokenVerifier(jwt_factory.jwks, clock=clock)
    good = "Bearer " + jwt_factory.token(claims())
    unknown = "Bearer " + jwt_factory.token(claims(), kid="rotated-key")
    verifier.verify(good, email=EMAIL, audience=AUDIENCE)
    verifier.verify(good, email=EMAIL, audience=AUDIENCE)
    assert len(jwt_factory.fetches) == 1
    with pytest.raises(WebhookAuthError, match="signing key not found"):
        verifier.verify(unknown, email=EMAIL, audience=AUDIENCE)
    assert len(jwt_factory.fetches) == 1
    clock.now += 61
    with pytest.raises(WebhookAuthError, match="signing key not found"):
        verifier.verify(unknown, email=EMAIL, audience=AUDIENCE)
    assert len(jwt_factory.fetches) == 2
    clock.now += 3601
    later = int(clock.now)
    fresh = "Bearer " + jwt_factory.token(claims(iat=later - 1, exp=later + 100))
    verifier.verify(fresh, email=EMAIL, audience=AUDIENCE)
    assert len(jwt_factory.fetches) == 3


def test_key_fetch_failure_is_an_auth_error(jwt_factory):
    def broken(url):
        raise OSError("network down")

    verifier = GcrTokenVerifier(broken, clock=Clock(NOW))
    with pytest.raises(WebhookAuthError, match="cannot fetch"):
        verifier.verify("Bearer " + jwt_factory.token(claims()), email=EMAIL, audience=AUDIENCE)


def test_certs_url_is_configurable(jwt_factory):
    verifier = GcrTokenVerifier(
        jwt_factory.jwks, certs_url="https://keys.test/jwks", clock=Clock(NOW)
    )
    verifier.verify("Bearer " + jwt_factory.token(claims()), email=EMAIL, audience=AUDIENCE)
    assert jwt_factory.fetches == ["https://keys.test/jwks"]


def test_http_key_fetcher_uses_the_injected_session():
    class Response:
        def raise_for_status(self):
            return None

        def json(self):
            return {"keys": []}

    class Session:
        calls: list[tuple[str, float]] = []

        def get(self, url, timeout):
            self.calls.append((url, timeout))
            return Response()

    session = Session()
    assert http_key_fetcher(session, timeout=2.0)("https://k") == {"keys": []}
    assert session.calls == [("https://k", 2.0)]


# -- Pub/Sub envelope ----------------------------------------------------------------------------


def envelope(data: str, publish_time: object = "2026-01-01T00:00:00Z", **message) -> bytes:
    return json.dumps({"message": {"data": data, "publishTime": publish_time, **message}}).encode()


def b64(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("YWJj", b"abc"),
        ("YWJjZA==", b"abcd"),
        ("YWJjZGU=", b"abcde"),
        ("YWJj\r\nZGVm", b"abcdef"),
        ("YWJj*ZGVm", b"abc"),
        ("YWJjZA==garbage", b"abcd"),
        ("YWJjZA", b"abc"),
        ("YWJjZ===", b"abc"),
        ("YW=j", b""),
        ("", b""),
    ],
)
def test_go_base64_keeps_the_prefix_decoded_before_an_error(text, expected):
    assert go_base64_lenient(text) == expected


def test_push_is_unwrapped():
    inner = {"action": "INSERT", "digest": "gcr.io/p/app@sha256:1", "tag": "gcr.io/p/app:1.0"}
    assert decode_push(envelope(b64(inner))) == inner


@pytest.mark.parametrize(
    "body",
    [
        envelope(b64({"action": "INSERT"}), publish_time="yesterday"),
        envelope(b64({"action": "INSERT"}), publish_time="2026-01-01 00:00:00Z"),
        envelope(b64({"action": "INSERT"}), publish_time=1767225600),
        envelope("not base64 at all"),
        envelope(base64.b64encode(b'{"action":"INSERT"} x').decode()),
        envelope(b64({"action": 1})),
        envelope(b64({"action": "INSERT"}), subscription=5),
        b'{"message": "x"}',
        b"",
    ],
)
def test_bad_push_bodies(body):
    with pytest.raises(PayloadError):
        decode_push(body)


@pytest.mark.parametrize("publish_time", [None, "2026-01-01T00:00:00.123456789+01:00"])
def test_publish_time_null_or_rfc3339_is_accepted(publish_time):
    assert decode_push(envelope(b64({"action": "DELETE"}), publish_time))["action"] == "DELETE"


def test_digest_only_insert_has_no_tag_hint():
    from tagpilot.receiver.hints import image_hints

    hints = image_hints("gcr", {"action": "INSERT", "digest": "eu.gcr.io/p/app@sha256:ab"})
    assert [(h.name, h.tag) for h in hints] == [("eu.gcr.io/p/app", None)]
