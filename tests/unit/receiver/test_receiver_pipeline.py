"""The request pipeline's status codes and their order (reference §1), with in-memory fakes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from tagpilot.api.receiver import RECEIVER_TYPES, validate_receiver_spec
from tagpilot.receiver.path import webhook_path
from tagpilot.receiver.pipeline import MAX_BODY_BYTES, StoredReceiver, handle, handle_request
from tagpilot.receiver.request import Headers, WebhookRequest
from tagpilot.receiver.spec import Receiver

pytestmark = pytest.mark.unit

TOKEN = "0123456789abcdef" * 4
IR = "ImageRepository"


@dataclass
class World:
    """Receivers by path, Secrets, objects and the reconcile requests made."""

    store: object
    receivers: dict[str, StoredReceiver] = field(default_factory=dict)
    secrets: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    requested: list[tuple[str, str, str]] = field(default_factory=list)
    fail_lookup: bool = False
    fail_secret: bool = False
    fail_reconcile: set[str] = field(default_factory=set)

    def add(self, name: str, spec: dict, *, ready: bool = True, token: str = TOKEN) -> str:
        receiver = Receiver(name, "apps", validate_receiver_spec(spec))
        path = webhook_path(token, name, "apps")
        self.receivers[path] = StoredReceiver(receiver, ready=ready)
        self.secrets[("apps", receiver.spec.secret_name)] = {"token": token}
        return path

    def lookup(self, path: str) -> StoredReceiver | None:
        self.lookups.append(path)
        if self.fail_lookup:
            raise TimeoutError("dynamodb")
        return self.receivers.get(path)

    def read_secret(self, namespace: str, name: str):
        if self.fail_secret:
            raise TimeoutError("secrets manager")
        return self.secrets.get((namespace, name))

    def reconcile(self, ref) -> None:
        if ref.name in self.fail_reconcile:
            raise RuntimeError("conditional check failed")
        self.requested.append((ref.kind, ref.namespace, ref.name))

    def run(self, request: WebhookRequest):
        return handle_request(request, self.lookup, self.read_secret, self.store, self.reconcile)


def generic(resources=None, **extra):
    return {
        "type": "generic",
        "secretRef": {"name": "hook-token"},
        "resources": resources or [{"kind": IR, "name": "app"}],
        **extra,
    }


@pytest.fixture
def world(store):
    store.add(IR, "apps", "app", team="a").add(IR, "apps", "api", team="a")
    return World(store)


def post(path, body=b"", method="POST", query="", headers=None):
    return WebhookRequest(method, path, query, Headers.of(headers or {}), body)


def test_valid_request_reconciles_and_answers_200(world):
    path = world.add("hook", generic())
    outcome = world.run(post(path))
    assert (outcome.status, outcome.reason, outcome.receiver) == (200, "ok", "apps/hook")
    assert world.requested == [(IR, "apps", "app")]
    assert handle(post(path), world.lookup, world.read_secret, world.store, world.reconcile) == 200


def test_body_limit_is_checked_before_the_lookup(world):
    path = world.add("hook", generic())
    assert world.run(post(path, b"x" * (MAX_BODY_BYTES + 1))).status == 413
    assert world.run(post("/hook/unknown", b"x" * (MAX_BODY_BYTES + 1), method="GET")).status == 413
    assert world.lookups == []
    assert world.run(post(path, b"x" * MAX_BODY_BYTES)).status == 200


@pytest.mark.parametrize(
    ("transform", "query"),
    [
        (lambda p: p + "/", ""),
        (lambda p: p.upper().replace("/HOOK/", "/hook/"), ""),
        (lambda p: p.replace("/hook/", "/hook/%61"), ""),
        (lambda p: p[:-1], ""),
        (lambda p: p.replace("/hook/", "/hooks/"), ""),
        (lambda p: p, "x=1"),
    ],
)
def test_only_the_exact_path_is_found(world, transform, query):
    path = world.add("hook", generic())
    assert world.run(post(transform(path), query=query)).status == 404
    assert world.requested == []


def test_unknown_path_is_404_and_store_failure_500(world):
    assert world.run(post(webhook_path(TOKEN, "nobody", "apps"))).status == 404
    world.fail_lookup = True
    assert world.run(post(webhook_path(TOKEN, "nobody", "apps"))).reason == "lookup-failed"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD"])
def test_only_post_is_accepted_after_the_path_check(world, method):
    path = world.add("hook", generic(suspend=True))
    assert world.run(post(path, method=method)).status == 405
    assert world.run(post(webhook_path(TOKEN, "nobody", "apps"), method=method)).status == 404
    assert world.requested == []


def test_suspended_or_not_ready_is_503_before_authentication(world):
    suspended = world.add("paused", generic(suspend=True))
    unready = world.add("unready", generic(), ready=False)
    world.secrets.clear()  # no Secret either: 503 still wins over 400
    assert world.run(post(suspended)).reason == "suspended"
    assert world.run(post(unready)).reason == "not-ready"
    assert {world.run(post(p)).status for p in (suspended, unready)} == {503}


def test_secret_missing_is_400_but_secret_store_failure_is_500(world):
    path = world.add("hook", generic())
    world.fail_secret = True
    assert world.run(post(path)).status == 500
    world.fail_secret = False
    world.secrets.clear()
    assert world.run(post(path)).status == 400
    assert world.requested == []


def test_validation_failure_is_400_and_reconciles_nothing(world):
    spec = generic()
    spec["type"] = "gitlab"
    path = world.add("hook", spec)
    outcome = world.run(post(path, headers={"X-Gitlab-Token": "wrong"}))
    assert (outcome.status, outcome.reason) == (400, "invalid")
    assert world.requested == []
    assert TOKEN not in str(outcome.errors[0])


def test_a_failing_entry_gives_500_but_the_others_are_reconciled(world):
    resources = [{"kind": IR, "name": "missing"}, {"kind": IR, "name": "api"}]
    outcome = world.run(post(world.add("hook", generic(resources))))
    assert (outcome.status, outcome.reason) == (500, "reconcile-failed")
    assert world.requested == [(IR, "apps", "api")]


def test_a_failing_reconcile_request_gives_500_but_the_others_proceed(world):
    world.fail_reconcile.add("app")
    resources = [{"kind": IR, "name": "*", "matchLabels": {"team": "a"}}]
    outcome = world.run(post(world.add("hook", generic(resources))))
    assert outcome.status == 500
    assert world.requested == [(IR, "apps", "api")]
    assert [r.name for r in outcome.reconciled] == ["api"]


@pytest.mark.parametrize(
    ("labels", "status", "requested"),
    [
        ({"team": "nobody"}, 200, set()),
        ({}, 200, {"app", "api"}),
        (None, 500, set()),
    ],
)
def test_wildcard_match_labels(world, labels, status, requested):
    entry = {"kind": IR, "name": "*"}
    if labels is not None:
        entry["matchLabels"] = labels
    assert world.run(post(world.add("hook", generic([entry])))).status == status
    assert {name for _, _, name in world.requested} == requested


@pytest.mark.parametrize("kind", sorted(RECEIVER_TYPES))
def test_path_made_with_another_token_is_not_found(samples, sample_gcr_verifier, store, kind):
    sample = samples[kind]
    receiver = sample.receiver
    wrong = webhook_path("f" * 64, receiver.name, receiver.namespace)
    assert wrong != sample.request.path
    for path, expected in ((wrong, 404), (sample.request.path, 200)):
        store.add(IR, receiver.namespace, "app")
        store.add("ImagePolicy", receiver.namespace, "app")
        store.add("ImageUpdateAutomation", receiver.namespace, "apps")
        store.add(IR, receiver.namespace, "labelled", **{"tagpilot.example/webhook": "registry"})
        status = handle(
            replace(sample.request, path=path),
            lambda p: StoredReceiver(receiver) if p == sample.request.path else None,
            lambda ns, name: sample.secret,
            store,
            lambda ref: None,
            sample_gcr_verifier,
        )
        assert status == expected
