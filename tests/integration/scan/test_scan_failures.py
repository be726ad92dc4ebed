"""Registry failures against a paginating test registry: each one leaves the previous tags in
place, sets Ready=False with Flux's reason and schedules a retry with backoff."""

from __future__ import annotations

import pytest
from tagpilot.reconcile import imagerepository

from tests.support.pagingregistry import Fault, PagingRegistry

pytestmark = pytest.mark.integration

TAGS = [f"1.0.{i}" for i in range(250)]


@pytest.fixture
def registry():
    with PagingRegistry({"team/app": TAGS}, page_size=100) as server:
        yield server


def _next_due(app) -> float:
    model = app.objects._model
    return float(model.get("ImageRepository", "apps/app").next_due_at)


def test_pagination_is_followed_to_the_end(app, put_repo, registry) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True)
    assert imagerepository.reconcile(app, "apps", "app").ready == "True"
    assert len(app.tags.get("apps/app").tags) == 250
    assert sum("/tags/list" in r.path for r in registry.requests) == 3


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault(status=401, path="/tags/list"), "unauthorized"),
        (Fault(status=403, path="/tags/list"), "forbidden"),
        (
            Fault(
                status=404,
                path="/tags/list",
                body=b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}',
            ),
            "name_unknown",
        ),
        (Fault(status=500, path="/tags/list"), "500"),
        (Fault(status=503, path="/tags/list"), "503"),
        (Fault(status=200, path="/tags/list", body=b'{"tags": ['), "not valid json"),
        (Fault(status=0, delay=3.0, path="/tags/list"), "timed out"),
    ],
)
def test_failure_keeps_previous_tags(app, put_repo, registry, fault: Fault, words: str) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True, timeout="1s")
    imagerepository.reconcile(app, "apps", "app")
    before = app.objects.require("ImageRepository", "apps", "app").status["lastScanResult"]
    registry.inject(fault)
    app.objects.request_reconcile("ImageRepository", "apps", "app", "again")
    app.objects.claim("ImageRepository", "apps/app", now=app.clock(), hold_seconds=300)
    now = app.clock()
    out = imagerepository.reconcile(app, "apps", "app")
    obj = app.objects.require("ImageRepository", "apps", "app")
    assert (out.ready, out.reason) == ("False", "ReadOperationFailed")
    assert words in out.message.lower()
    assert obj.status["lastScanResult"] == before
    assert len(app.tags.get("apps/app").tags) == 250
    assert obj.failures == 1
    assert now < _next_due(app) < now + 5


def test_rate_limit_honours_retry_after(app, put_repo, registry) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True)
    registry.inject(Fault(status=429, path="/tags/list", headers={"Retry-After": "120"}))
    now = app.clock()
    assert app.objects.claim("ImageRepository", "apps/app", now=now, hold_seconds=1)
    out = imagerepository.reconcile(app, "apps", "app")
    assert out.reason == "ReadOperationFailed" and "429" in out.message
    assert _next_due(app) >= now + 120


def test_backoff_grows_with_consecutive_failures(app, put_repo, registry) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True)
    registry.inject(Fault(status=500, path="/tags/list"))
    delays = []
    for _ in range(4):
        app.objects.claim("ImageRepository", "apps/app", now=10**12, hold_seconds=1)
        now = app.clock()
        imagerepository.reconcile(app, "apps", "app")
        delays.append(round(_next_due(app) - now, 1))
    assert delays == sorted(delays) and delays[-1] >= 4 * delays[0]


def test_invalid_image_in_store_stalls(app, put_repo) -> None:
    put_repo(image="https://example.com/app")
    out = imagerepository.reconcile(app, "apps", "app")
    obj = app.objects.require("ImageRepository", "apps", "app")
    assert (out.ready, out.reason) == ("False", "ImageURLInvalid")
    stalled = [c for c in obj.status["conditions"] if c["type"] == "Stalled"]
    assert stalled and stalled[0]["status"] == "True"
    assert "should not include URL scheme" in out.message
