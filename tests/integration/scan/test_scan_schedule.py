"""One index-key write per scan cycle: the dispatcher's claim schedules the next run by the
object's interval and a worker whose run ends on schedule keeps it."""

from __future__ import annotations

import pytest
from tagpilot.reconcile import imagerepository

from tests.support.pagingregistry import PagingRegistry

pytestmark = pytest.mark.integration


@pytest.fixture
def registry():
    with PagingRegistry({"team/app": ["1.0.0", "1.1.0"]}, page_size=100) as server:
        yield server


def _next_due(app) -> float:
    return float(app.objects._model.get("ImageRepository", "apps/app").next_due_at)


@pytest.mark.parametrize(("interval", "seconds"), [("5m", 300), ("10m", 600), ("1h", 3600)])
def test_claim_schedules_the_next_run_by_the_objects_interval(
    app, put_repo, registry, interval: str, seconds: int
) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True, interval=interval)
    now = app.clock()
    assert app.objects.claim("ImageRepository", "apps/app", now=now, hold_seconds=60)
    assert _next_due(app) == pytest.approx(now + seconds)


def test_unchanged_rescan_keeps_the_claimed_schedule(app, put_repo, registry) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True, interval="5m")
    imagerepository.reconcile(app, "apps", "app")
    claimed_at = app.clock() + 1000  # the next cycle: the interval has passed
    app.clock = lambda: claimed_at + 2
    assert app.objects.claim("ImageRepository", "apps/app", now=claimed_at, hold_seconds=60)
    claimed = _next_due(app)
    out = imagerepository.reconcile(app, "apps", "app")
    assert (out.ready, out.skipped) == ("True", None)
    assert _next_due(app) == claimed  # not rewritten to now + 5m, two seconds later


def test_failed_rescan_moves_the_schedule_to_its_backoff(app, put_repo, registry) -> None:
    from tests.support.pagingregistry import Fault

    put_repo(image=f"{registry.host}/team/app", insecure=True, interval="5m")
    imagerepository.reconcile(app, "apps", "app")
    now = app.clock() + 1000
    app.clock = lambda: now
    app.objects.claim("ImageRepository", "apps/app", now=now, hold_seconds=60)
    registry.inject(Fault(status=500, path="/tags/list"))
    imagerepository.reconcile(app, "apps", "app")
    assert now < _next_due(app) < now + 5


def test_a_request_during_the_run_still_wins(app, put_repo, registry) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True, interval="5m")
    imagerepository.reconcile(app, "apps", "app")
    now = app.clock() + 1000
    app.clock = lambda: now
    app.objects.claim("ImageRepository", "apps/app", now=now, hold_seconds=60)
    resource = app.objects.require("ImageRepository", "apps", "app")
    app.objects.request_reconcile("ImageRepository", "apps", "app", "token-1")
    app.objects.write_status(resource, resource.status, next_due_at=now + 300)
    assert _next_due(app) == 0
