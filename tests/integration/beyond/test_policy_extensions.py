"""Never-downgrade, newest-pushed and soak time against the real registry and DynamoDB Local.

Tags come from Debian's docker-registry; push times from the local Docker Hub stand-in
(``tagpilot.dev/push-times: dockerhub``), so the whole scan -> policy path runs for real.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from tagpilot.reconcile import imagepolicy, imagerepository
from tagpilot.reconcile.selection import HELD, WAITING

from tests.integration.beyond.conftest import apply, condition, next_due
from tests.support.dockerhub import DockerHubStandIn
from tests.support.registry import push_image

pytestmark = pytest.mark.integration
DAY = 86400.0


def _rescan(app: Any) -> None:
    app.objects.request_reconcile("ImageRepository", "apps", "app", str(app.clock()))
    out = imagerepository.reconcile(app, "apps", "app")
    assert out.ready == "True", out.message


def _policy(app: Any):
    return app.objects.require("ImagePolicy", "apps", "app")


def _delete_tag(registry: Any, repo: str, digest: str) -> None:
    url = f"{registry.url}/v2/{repo}/manifests/{digest}"
    assert requests.delete(url, timeout=10).status_code == 202


def test_never_downgrade_when_a_tag_disappears(xapp, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0"])
    newest = push_image(registry.url, "team/app", ["1.1.0"], variant="b")
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
    )
    imagerepository.reconcile(xapp, "apps", "app")
    spec = {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}
    apply(xapp, "ImagePolicy", "app", spec)
    imagepolicy.reconcile(xapp, "apps", "app")
    assert _policy(xapp).status["latestRef"]["tag"] == "1.1.0"

    _delete_tag(registry, "team/app", newest)
    _rescan(xapp)
    assert xapp.tags.get("apps/app").tags == ["1.0.0"]
    out = imagepolicy.reconcile(xapp, "apps", "app")
    policy = _policy(xapp)
    assert out.ready == "True"
    assert policy.status["latestRef"]["tag"] == "1.1.0", "never moves down on a short scan"
    held = condition(policy, HELD)
    assert held and held["reason"] == "DowngradePrevented" and "1.0.0" in held["message"]

    # The opt-out: the same manifest with allow-downgrade behaves exactly like Flux.
    apply(xapp, "ImagePolicy", "app", spec, {"tagpilot.dev/allow-downgrade": "true"})
    imagepolicy.reconcile(xapp, "apps", "app")
    policy = _policy(xapp)
    assert policy.status["latestRef"]["tag"] == "1.0.0"
    assert condition(policy, HELD) is None


def test_a_spec_change_may_move_down(xapp, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0", "2.0.0"])
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
    )
    imagerepository.reconcile(xapp, "apps", "app")
    spec = {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}
    apply(xapp, "ImagePolicy", "app", spec)
    imagepolicy.reconcile(xapp, "apps", "app")
    assert _policy(xapp).status["latestRef"]["tag"] == "2.0.0"
    spec["policy"] = {"semver": {"range": "1.x"}}
    apply(xapp, "ImagePolicy", "app", spec)
    imagepolicy.reconcile(xapp, "apps", "app")
    policy = _policy(xapp)
    assert policy.status["latestRef"]["tag"] == "1.0.0"
    assert condition(policy, HELD) is None


@pytest.fixture
def hub(clock):
    now = clock.now
    with DockerHubStandIn(
        {
            "team/app": {
                "1.0.0": ("sha256:" + "a" * 64, now - 5 * DAY),
                "1.1.0": ("sha256:" + "b" * 64, now - 3600.0),
                "2.0.0": ("sha256:" + "c" * 64, now - 10 * DAY),
                "0.9.0": ("sha256:" + "d" * 64, now - 20 * DAY),
            }
        }
    ) as server:
        yield server


def test_newest_pushed_with_soak(xapp, registry, hub, clock) -> None:
    push_image(registry.url, "team/app", ["0.9.0", "1.0.0", "1.1.0", "2.0.0"])
    xapp.push_sources.docker_hub_api = hub.url
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
        {"tagpilot.dev/push-times": "dockerhub"},
    )
    out = imagerepository.reconcile(xapp, "apps", "app")
    assert out.metrics["push_time_reads"] == 1 and out.metrics["push_time_items_written"] == 1
    spec = {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}
    annotations = {"tagpilot.dev/order": "newest-pushed", "tagpilot.dev/soak": "24h"}
    apply(xapp, "ImagePolicy", "app", spec, annotations)
    assert xapp.objects.claim("ImagePolicy", "apps/app", now=clock.now, hold_seconds=60)
    imagepolicy.reconcile(xapp, "apps", "app")
    policy = _policy(xapp)
    # 1.1.0 was pushed last but only an hour ago; of the soaked tags in range 1.0.0 is newest.
    assert policy.status["latestRef"]["tag"] == "1.0.0"
    waiting = condition(policy, WAITING)
    ripe_at = clock.now - 3600.0 + DAY
    assert (
        waiting
        and waiting["reason"] == "Soaking"
        and "1.1.0 is soaking (24h0m0s)" in (waiting["message"])
    )
    assert next_due(xapp, "ImagePolicy", "app") == pytest.approx(ripe_at)

    clock.now = ripe_at + 1
    imagepolicy.reconcile(xapp, "apps", "app")
    policy = _policy(xapp)
    assert policy.status["latestRef"]["tag"] == "1.1.0"
    assert condition(policy, WAITING) is None
    assert policy.status["extensions"]["latestPushedAt"].startswith("2027-01-")

    # A rescan with no new tags: one page from the stand-in, nothing rewritten.
    hits = hub.hits
    xapp.objects.request_reconcile("ImageRepository", "apps", "app", "again")
    out = imagerepository.reconcile(xapp, "apps", "app")
    assert hub.hits == hits + 1 and out.metrics["push_time_reads"] == 1
    assert "push_time_items_written" not in out.metrics


def test_newest_pushed_never_goes_back_in_time(xapp, registry, hub, clock) -> None:
    push_image(registry.url, "team/app", ["1.0.0", "1.1.0"])
    xapp.push_sources.docker_hub_api = hub.url
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
        {"tagpilot.dev/push-times": "dockerhub"},
    )
    imagerepository.reconcile(xapp, "apps", "app")
    spec = {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}
    apply(xapp, "ImagePolicy", "app", spec, {"tagpilot.dev/order": "newest-pushed"})
    imagepolicy.reconcile(xapp, "apps", "app")
    assert _policy(xapp).status["latestRef"]["tag"] == "1.1.0"
    del hub.repos["team/app"]["1.1.0"]  # Docker Hub forgot the tag: its push time is gone
    _rescan(xapp)
    imagepolicy.reconcile(xapp, "apps", "app")
    policy = _policy(xapp)
    assert policy.status["latestRef"]["tag"] == "1.1.0"
    assert condition(policy, HELD)["reason"] == "DowngradePrevented"


def test_missing_push_times_is_a_clear_stall(xapp, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0"])
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
    )
    imagerepository.reconcile(xapp, "apps", "app")
    apply(
        xapp,
        "ImagePolicy",
        "app",
        {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "*"}}},
        {"tagpilot.dev/soak": "1h"},
    )
    out = imagepolicy.reconcile(xapp, "apps", "app")
    assert (out.ready, out.reason) == ("False", "InvalidExtension")
    assert "annotate ImageRepository apps/app with tagpilot.dev/push-times" in out.message


def test_config_created_read_once_per_new_tag(xapp, registry, clock) -> None:
    old = push_image(registry.url, "team/app", ["1.0.0", "1.0"], created="2026-01-01T00:00:00Z")
    push_image(registry.url, "team/app", ["1.1.0"], created="2026-11-30T12:00:00.5Z")
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
        {"tagpilot.dev/push-times": "auto"},
    )
    out = imagerepository.reconcile(xapp, "apps", "app")
    # 3 manifests, 2 configs ("1.0" shares 1.0.0's digest: its config is not read again).
    assert out.metrics["push_time_reads"] == 5
    record = xapp.pushtimes.get("apps/app")
    assert record.tags["1.0"] == record.tags["1.0.0"] == (old, 1767225600.0)
    assert record.tags["1.1.0"][1] == 1796040000.5
    _rescan(xapp)
    xapp.objects.request_reconcile("ImageRepository", "apps", "app", "no new tags")
    out = imagerepository.reconcile(xapp, "apps", "app")
    assert out.metrics["push_time_reads"] == 0 and "push_time_items_written" not in out.metrics
    push_image(registry.url, "team/app", ["1.2.0"], created="2026-12-01T00:00:00Z")
    xapp.objects.request_reconcile("ImageRepository", "apps", "app", "one new tag")
    out = imagerepository.reconcile(xapp, "apps", "app")
    assert out.metrics["push_time_reads"] == 2
    spec = {"imageRepositoryRef": {"name": "app"}, "policy": {"alphabetical": {"order": "asc"}}}
    apply(xapp, "ImagePolicy", "app", spec, {"tagpilot.dev/order": "newest-pushed"})
    imagepolicy.reconcile(xapp, "apps", "app")
    assert _policy(xapp).status["latestRef"]["tag"] == "1.2.0"


def test_push_time_failure_does_not_fail_the_scan(xapp, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0"])
    xapp.push_sources.docker_hub_api = "http://127.0.0.1:9"  # nothing listens on discard
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
        {"tagpilot.dev/push-times": "dockerhub"},
    )
    out = imagerepository.reconcile(xapp, "apps", "app")
    assert out.ready == "True"
    failed = condition(
        xapp.objects.require("ImageRepository", "apps", "app"), "tagpilot.dev/PushTimes"
    )
    assert failed["status"] == "False" and failed["reason"] == "PushTimesFailed"


def test_configs_without_created_are_remembered(xapp, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0", "1.0.1"])  # no "created" in the config
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
        {"tagpilot.dev/push-times": "config"},
    )
    out = imagerepository.reconcile(xapp, "apps", "app")
    assert out.metrics["push_time_reads"] == 3  # two manifests, one config
    assert xapp.pushtimes.get("apps/app").times() == {}
    _rescan(xapp)
    xapp.objects.request_reconcile("ImageRepository", "apps", "app", "again")
    assert imagerepository.reconcile(xapp, "apps", "app").metrics["push_time_reads"] == 0
