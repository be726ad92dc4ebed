"""Regenerate the webhook and ECR sample events, their Receivers and the GCR test JWKS.

Run from the repository root: ``.venv/bin/python events/make_webhook_events.py``. The output is
deterministic (fixed tokens, timestamps and a seeded RSA key), so re-running it rewrites the
same bytes; the files are committed and used by the local invoker and by
``tests/unit/receiver/test_receiver_samples.py``.

Written files:

* ``events/receivers.yaml``: one Secret and one Receiver per webhook type, namespace ``apps``.
  The tokens are public sample values, never use them anywhere real;
* ``events/webhook-<type>-<case>.json``: API Gateway HTTP API payload v2 events whose ``rawPath``
  is the Receiver's webhook path and whose signature headers are valid for its token;
* ``events/gcr-jwks.json``: the public key that signs the GCR sample's JWT (the private key is
  re-derived from a seed here and never written);
* ``events/ecr-push.json``, ``events/ecr-push-no-tag.json``, ``events/ecr-delete.json``.

The file is longer than 400 lines because it holds the literal sample payloads, one field per
line once formatted; keeping them here keeps every signature next to the bytes it signs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from ruamel.yaml import YAML

EVENTS = Path(__file__).resolve().parent
NAMESPACE = "apps"
TIME_EPOCH_MS = 1_767_269_400_000  # 2026-01-01T12:10:00Z, the requests' time
TIME_TEXT = "01/Jan/2026:12:10:00 +0000"
GCR_KID = "tagpilot-sample-key-1"
GCR_EMAIL = "gar-push@example-project.iam.gserviceaccount.com"
GCR_AUDIENCE = "https://hooks.example.com/gar-push"
LABELS = {"tagpilot.example/webhook": "registry"}


def token_for(name: str) -> str:
    """A fixed 64-character sample token per Receiver (public: tests only)."""
    return hashlib.sha256(f"tagpilot-sample-token/{name}".encode()).hexdigest()


def webhook_path(token: str, name: str, namespace: str) -> str:
    """Flux's path formula, repeated here so the script does not depend on the package."""
    return "/hook/" + hashlib.sha256((token + name + namespace).encode()).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _is_probable_prime(n: int, rng: random.Random) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(40):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def seeded_rsa_key(seed: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key derived from a seed (deterministic; for sample data only)."""
    rng = random.Random(seed)
    e = 65537
    primes: list[int] = []
    while len(primes) < 2:
        candidate = rng.getrandbits(bits // 2) | (3 << (bits // 2 - 2)) | 1
        if (candidate - 1) % e and _is_probable_prime(candidate, rng) and candidate not in primes:
            primes.append(candidate)
    p, q = sorted(primes, reverse=True)
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


def jwt_rs256(key: rsa.RSAPrivateKey, kid: str, claims: dict[str, Any]) -> str:
    header = b64url(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{b64url(signature)}"


def jwks(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    e = numbers.e.to_bytes(3, "big")
    return {
        "keys": [
            {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": b64url(n), "e": b64url(e)}
        ]
    }


def hmac_hex(token: str, body: bytes, algo: str) -> str:
    return hmac.new(token.encode(), body, algo).hexdigest()


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def apigw_event(
    path: str, headers: dict[str, str], body: bytes, *, binary: bool = False
) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2 event as Lambda receives it (headers lower-cased)."""
    lower = {name.lower(): value for name, value in headers.items()}
    lower.setdefault("content-length", str(len(body)))
    lower.setdefault("host", "abc123def4.execute-api.eu-west-1.amazonaws.com")
    return {
        "version": "2.0",
        "routeKey": "POST /hook/{digest}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": lower,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123def4",
            "domainName": "abc123def4.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123def4",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": lower.get("user-agent", "sample-sender"),
            },
            "requestId": hashlib.sha256(path.encode()).hexdigest()[:16],
            "routeKey": "POST /hook/{digest}",
            "stage": "$default",
            "time": TIME_TEXT,
            "timeEpoch": TIME_EPOCH_MS,
        },
        "pathParameters": {"digest": path.rsplit("/", 1)[1]},
        "body": base64.b64encode(body).decode() if binary else body.decode(),
        "isBase64Encoded": binary,
    }


def distribution_envelope() -> dict[str, Any]:
    """The CNCF distribution registry's notification envelope (one push event)."""
    return {
        "events": [
            {
                "id": "6bd3bd63-7f0e-4c8b-a1ed-0b1d29d2b0a1",
                "timestamp": "2026-01-01T12:09:58.123456789Z",
                "action": "push",
                "target": {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + "1" * 64,
                    "size": 1161,
                    "length": 1161,
                    "repository": "team/app",
                    "url": "https://registry.example.com/v2/team/app/manifests/sha256:" + "1" * 64,
                    "tag": "1.4.2",
                },
                "request": {
                    "id": "3f1c1f6e-2f0a-4f57-9d57-6f1b8f3b9f10",
                    "addr": "198.51.100.7:41234",
                    "host": "registry.example.com",
                    "method": "PUT",
                    "useragent": "buildkit/v0.18",
                },
                "actor": {"name": "ci"},
                "source": {"addr": "registry-0:5000", "instanceID": "0f2a9c1e"},
            }
        ]
    }


def github_package() -> dict[str, Any]:
    return {
        "action": "published",
        "package": {
            "id": 4242,
            "name": "app",
            "namespace": "example-org",
            "ecosystem": "CONTAINER",
            "package_type": "CONTAINER",
            "html_url": "https://github.com/orgs/example-org/packages/container/package/app",
            "owner": {"login": "example-org", "type": "Organization"},
            "package_version": {
                "id": 99,
                "version": "sha256:" + "2" * 64,
                "name": "sha256:" + "2" * 64,
                "container_metadata": {
                    "tag": {"name": "1.4.2", "digest": "sha256:" + "2" * 64},
                    "labels": {},
                    "manifest": {},
                },
                "installation_command": "docker pull ghcr.io/example-org/app:1.4.2",
                "package_url": "ghcr.io/example-org/app:1.4.2",
            },
            "registry": {
                "name": "GitHub CONTAINER registry",
                "type": "CONTAINER",
                "url": "https://ghcr.io/example-org",
                "vendor": "GitHub Inc",
            },
        },
        "repository": {"full_name": "example-org/app"},
        "organization": {"login": "example-org"},
        "sender": {"login": "ci-bot"},
    }


def gitlab_tag_push() -> dict[str, Any]:
    return {
        "object_kind": "tag_push",
        "event_name": "tag_push",
        "before": "0" * 40,
        "after": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
        "ref": "refs/tags/v1.4.2",
        "checkout_sha": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
        "user_name": "CI Bot",
        "project": {
            "id": 1,
            "name": "app",
            "path_with_namespace": "team/app",
            "web_url": "https://gitlab.example.com/team/app",
        },
        "repository": {"name": "app"},
    }


def bitbucket_refs_changed() -> dict[str, Any]:
    return {
        "eventKey": "repo:refs_changed",
        "date": "2026-01-01T12:09:59+0000",
        "actor": {"name": "ci", "displayName": "CI"},
        "repository": {"slug": "app", "project": {"key": "TEAM"}},
        "changes": [
            {
                "ref": {"id": "refs/tags/v1.4.2", "displayId": "v1.4.2", "type": "TAG"},
                "fromHash": "0" * 40,
                "toHash": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
                "type": "ADD",
            }
        ],
    }


def harbor_push() -> dict[str, Any]:
    return {
        "type": "PUSH_ARTIFACT",
        "occur_at": 1767269398,
        "operator": "robot$ci",
        "event_data": {
            "resources": [
                {
                    "digest": "sha256:" + "3" * 64,
                    "tag": "1.4.2",
                    "resource_url": "harbor.example.com/team/app:1.4.2",
                }
            ],
            "repository": {
                "date_created": 1700000000,
                "name": "app",
                "namespace": "team",
                "repo_full_name": "team/app",
                "repo_type": "private",
            },
        },
    }


def dockerhub_push() -> dict[str, Any]:
    return {
        "callback_url": "https://registry.hub.docker.com/u/exampleorg/app/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/",
        "push_data": {"pushed_at": 1767269398, "pusher": "ci", "tag": "1.4.2", "images": []},
        "repository": {
            "comment_count": 0,
            "date_created": 1700000000,
            "description": "",
            "dockerfile": "",
            "full_description": "",
            "is_official": False,
            "is_private": False,
            "is_trusted": False,
            "name": "app",
            "namespace": "exampleorg",
            "owner": "exampleorg",
            "repo_name": "exampleorg/app",
            "repo_url": "https://hub.docker.com/r/exampleorg/app",
            "star_count": 0,
            "status": "Active",
        },
    }


def quay_push() -> dict[str, Any]:
    return {
        "name": "app",
        "repository": "exampleorg/app",
        "namespace": "exampleorg",
        "docker_url": "quay.io/exampleorg/app",
        "homepage": "https://quay.io/repository/exampleorg/app",
        "updated_tags": ["1.4.2", "latest"],
    }


def gcr_push() -> dict[str, Any]:
    inner = {
        "action": "INSERT",
        "digest": "europe-docker.pkg.dev/example-project/team/app@sha256:" + "4" * 64,
        "tag": "europe-docker.pkg.dev/example-project/team/app:1.4.2",
    }
    data = base64.b64encode(compact(inner)).decode()
    return {
        "message": {
            "attributes": {},
            "data": data,
            "messageId": "13570000000001",
            "message_id": "13570000000001",
            "publishTime": "2026-01-01T12:09:59.5Z",
            "publish_time": "2026-01-01T12:09:59.5Z",
        },
        "subscription": "projects/example-project/subscriptions/gar-push",
    }


def nexus_component() -> dict[str, Any]:
    return {
        "timestamp": "2026-01-01T12:09:59.000+0000",
        "nodeId": "7FFA7361-6ED33978-36997BD4-47095CC4-331356BE",
        "initiator": "ci/198.51.100.7",
        "repositoryName": "docker-hosted",
        "action": "CREATED",
        "component": {
            "id": "08909bf0c86cf6c9",
            "componentId": "ZG9ja2VyLWhvc3RlZA",
            "format": "docker",
            "name": "team/app",
            "group": None,
            "version": "1.4.2",
        },
    }


def acr_push() -> dict[str, Any]:
    return {
        "id": "cb8c3971-9adc-488b-xxxx-43cbb4974ff5",
        "timestamp": "2026-01-01T12:09:59.123456789Z",
        "action": "push",
        "target": {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 524,
            "digest": "sha256:" + "5" * 64,
            "length": 524,
            "repository": "team/app",
            "tag": "1.4.2",
        },
        "request": {
            "id": "3cbb6949-7549-4fa1-xxxx-a6d5451dffc7",
            "host": "example.azurecr.io",
            "method": "PUT",
            "useragent": "buildkit/v0.18",
        },
    }


def cdevent_artifact_published() -> dict[str, Any]:
    return {
        "context": {
            "specversion": "0.4.1",
            "id": "271069a8-fc18-44f1-b38f-9d70a1695819",
            "source": "/ci/pipelines/app",
            "type": "dev.cdevents.artifact.published.0.2.0",
            "timestamp": "2026-01-01T12:09:59Z",
        },
        "subject": {
            "id": "pkg:oci/app@sha256:"
            + "6" * 64
            + "?repository_url=registry.example.com/team/app&tag=1.4.2",
            "source": "/ci/pipelines/app",
            "type": "artifact",
            "content": {},
        },
    }


def _repo(name: str = "app") -> dict[str, Any]:
    return {"kind": "ImageRepository", "name": name}


_WILDCARD = {"kind": "ImageRepository", "name": "*", "matchLabels": LABELS}
_JSON = "application/json"

#: (type, case, Receiver name, extra spec, payload, content type, base64 body?)
SAMPLES: list[tuple[str, str, str, dict[str, Any], dict[str, Any], str, bool]] = [
    (
        "generic",
        "distribution-push",
        "registry-generic",
        {"resources": [_repo()]},
        distribution_envelope(),
        "application/vnd.docker.distribution.events.v1+json",
        True,
    ),
    (
        "generic-hmac",
        "distribution-push",
        "registry-hmac",
        {"resources": [_WILDCARD]},
        distribution_envelope(),
        "application/vnd.docker.distribution.events.v1+json",
        False,
    ),
    (
        "github",
        "package-published",
        "ghcr-packages",
        {"events": ["ping", "package"], "resources": [_repo()]},
        github_package(),
        _JSON,
        False,
    ),
    (
        "gitlab",
        "tag-push",
        "gitlab-tags",
        {
            "events": ["Tag Push Hook"],
            "resources": [
                {
                    "apiVersion": "image.toolkit.fluxcd.io/v1",
                    "kind": "ImageUpdateAutomation",
                    "name": "apps",
                }
            ],
        },
        gitlab_tag_push(),
        _JSON,
        False,
    ),
    (
        "bitbucket",
        "refs-changed",
        "bitbucket-tags",
        {"events": ["repo:refs_changed"], "resources": [_repo()]},
        bitbucket_refs_changed(),
        "application/json; charset=utf-8",
        False,
    ),
    (
        "harbor",
        "push-artifact",
        "harbor-push",
        {
            "resources": [
                _repo(),
                {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy", "name": "app"},
            ]
        },
        harbor_push(),
        _JSON,
        False,
    ),
    (
        "dockerhub",
        "push",
        "dockerhub-push",
        {"resources": [_repo()]},
        dockerhub_push(),
        _JSON,
        False,
    ),
    ("quay", "repository-push", "quay-push", {"resources": [_WILDCARD]}, quay_push(), _JSON, False),
    ("gcr", "insert", "gar-push", {"resources": [_repo()]}, gcr_push(), _JSON, False),
    (
        "nexus",
        "component-created",
        "nexus-docker",
        {"resources": [_repo()]},
        nexus_component(),
        _JSON,
        False,
    ),
    (
        "acr",
        "push",
        "acr-push",
        {"resources": [{"kind": "ImageRepository", "name": "app", "namespace": NAMESPACE}]},
        acr_push(),
        _JSON,
        False,
    ),
    (
        "cdevents",
        "artifact-published",
        "cdevents-artifacts",
        {"events": ["dev.cdevents.artifact.published.0.2.0"], "resources": [_repo()]},
        cdevent_artifact_published(),
        _JSON,
        False,
    ),
]


def sample_headers(
    kind: str, token: str, body: bytes, content_type: str, key: rsa.RSAPrivateKey
) -> dict[str, str]:
    """The headers each sender puts on its delivery, signed with the Receiver's token."""
    headers = {"Content-Type": content_type}
    if kind == "generic":
        headers["User-Agent"] = "distribution/3.0.0"
    elif kind == "generic-hmac":
        headers["X-Signature"] = "sha256=" + hmac_hex(token, body, "sha256")
    elif kind == "github":
        headers.update(
            {
                "User-Agent": "GitHub-Hookshot/8f3d2a1",
                "X-GitHub-Event": "package",
                "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
                "X-GitHub-Hook-ID": "123456",
                "X-Hub-Signature": "sha1=" + hmac_hex(token, body, "sha1"),
                "X-Hub-Signature-256": "sha256=" + hmac_hex(token, body, "sha256"),
            }
        )
    elif kind == "gitlab":
        headers.update(
            {
                "X-Gitlab-Event": "Tag Push Hook",
                "X-Gitlab-Token": token,
                "X-Gitlab-Instance": "https://gitlab.example.com",
            }
        )
    elif kind == "bitbucket":
        headers.update(
            {
                "X-Event-Key": "repo:refs_changed",
                "X-Request-Id": "c6e4b1a0",
                "X-Hub-Signature": "sha256=" + hmac_hex(token, body, "sha256"),
            }
        )
    elif kind == "harbor":
        headers["Authorization"] = token
    elif kind == "gcr":
        now = TIME_EPOCH_MS // 1000
        claims = {
            "aud": GCR_AUDIENCE,
            "azp": "104170000000000000001",
            "email": GCR_EMAIL,
            "email_verified": True,
            "exp": now + 3540,
            "iat": now - 60,
            "iss": "https://accounts.google.com",
            "sub": "104170000000000000001",
        }
        headers["Authorization"] = "Bearer " + jwt_rs256(key, GCR_KID, claims)
        headers["User-Agent"] = (
            "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"
        )
    elif kind == "nexus":
        headers.update(
            {
                "X-Nexus-Webhook-Id": "rm:repository:component",
                "X-Nexus-Webhook-Delivery": "7f1a2b3c",
                "X-Nexus-Webhook-Signature": hmac_hex(token, body, "sha1"),
            }
        )
    elif kind == "cdevents":
        headers["Ce-Type"] = "dev.cdevents.artifact.published.0.2.0"
    return headers


def receiver_documents(kind: str, name: str, spec: dict[str, Any]) -> list[dict[str, Any]]:
    secret_name = f"{name}-token"
    string_data = {"token": token_for(name)}
    if kind == "gcr":
        string_data.update({"email": GCR_EMAIL, "audience": GCR_AUDIENCE})
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": secret_name, "namespace": NAMESPACE},
        "type": "Opaque",
        "stringData": string_data,
    }
    receiver = {
        "apiVersion": "notification.toolkit.fluxcd.io/v1",
        "kind": "Receiver",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "type": kind,
            **{k: v for k, v in spec.items() if k == "events"},
            "secretRef": {"name": secret_name},
            "resources": spec["resources"],
        },
    }
    return [secret, receiver]


def ecr_event(event_id: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "ECR Image Action",
        "source": "aws.ecr",
        "account": "123456789012",
        "time": "2026-01-01T12:09:59Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


def ecr_events() -> dict[str, dict[str, Any]]:
    base = {
        "result": "SUCCESS",
        "repository-name": "team/app",
        "image-digest": "sha256:" + "7" * 64,
    }
    return {
        "ecr-push.json": ecr_event(
            "4f5ec4d5-4de4-7aad-a046-56d5cfe1df0e",
            {
                **base,
                "action-type": "PUSH",
                "image-tag": "1.4.2",
                "manifest-media-type": "application/vnd.oci.image.manifest.v1+json",
            },
        ),
        "ecr-push-no-tag.json": ecr_event(
            "8a2b1c3d-0000-4e5f-9a8b-7c6d5e4f3a2b", {**base, "action-type": "PUSH"}
        ),
        "ecr-delete.json": ecr_event(
            "c0ffee00-1234-4abc-8def-0123456789ab",
            {**base, "action-type": "DELETE", "image-tag": "1.4.1"},
        ),
    }


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(out_dir: Path = EVENTS) -> None:
    """Write every sample into ``out_dir`` (the ``events/`` directory by default)."""
    key = seeded_rsa_key("tagpilot/events/gcr-sample-key")
    documents: list[dict[str, Any]] = []
    for kind, case, name, spec, payload, content_type, binary in SAMPLES:
        token = token_for(name)
        body = compact(payload)
        headers = sample_headers(kind, token, body, content_type, key)
        event = apigw_event(webhook_path(token, name, NAMESPACE), headers, body, binary=binary)
        write_json(out_dir / f"webhook-{kind}-{case}.json", event)
        documents.extend(receiver_documents(kind, name, spec))
    write_json(out_dir / "gcr-jwks.json", jwks(key, GCR_KID))
    for file_name, event in ecr_events().items():
        write_json(out_dir / file_name, event)
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    with (out_dir / "receivers.yaml").open("w", encoding="utf-8") as out:
        out.write("# Generated by events/make_webhook_events.py; sample tokens, tests only.\n")
        yaml.dump_all(documents, out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else EVENTS)
