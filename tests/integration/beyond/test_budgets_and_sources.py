"""Registry budgets on DynamoDB Local; ECR push times on moto; change windows of automations."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests
from tagpilot.reconcile import automation, imagerepository
from tagpilot.reconcile.scanext import DEFERRED
from tagpilot.reconcile.windows import WAITING
from tagpilot.registry.budget import RequestMeter
from tagpilot.registry.names import parse_image_reference
from tagpilot.registry.pushtimes import from_docker_hub, from_ecr
from tagpilot.store.budgets import BudgetStore
from tagpilot.store.errors import StoreError
from tagpilot.store.models import build_models

from tests.integration.beyond.conftest import apply, condition, next_due
from tests.support.dockerhub import DockerHubStandIn
from tests.support.registry import push_image

pytestmark = pytest.mark.integration


def test_bucket_grants_until_empty_then_refills(xapp, clock) -> None:
    store = xapp.budgets
    grants = [store.acquire("index.docker.io", 1, 5, 3600.0) for _ in range(6)]
    assert [g.granted for g in grants] == [True] * 5 + [False]
    assert grants[-1].retry_at == pytest.approx(clock.now + 720.0)  # one token per 12 min
    clock.now += 720.0
    assert store.acquire("index.docker.io", 1, 5, 3600.0).granted
    assert not store.acquire("index.docker.io", 1, 5, 3600.0).granted
    assert store.acquire("ghcr.io", 1, 5, 3600.0).granted, "one bucket per host"


def test_concurrent_functions_never_overspend(settings, xapp, clock) -> None:
    granted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        # Each thread plays a separate function: its own store over the same table.
        store = BudgetStore(build_models(settings), clock=clock)
        for _ in range(8):
            try:
                ok = store.acquire("shared.example", 1, 12, 1e9).granted
            except StoreError as exc:  # pragma: no cover - reported by the assertion below
                ok = repr(exc)  # type: ignore[assignment]
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 12 and granted.count(False) == 20, granted


def test_settle_applies_retry_after_and_remaining(xapp, clock) -> None:
    store = xapp.budgets
    assert store.settle("h.example", 0, 100, 3600.0, wait=120.0) == pytest.approx(100.0)
    blocked = store.acquire("h.example", 1, 100, 3600.0)
    assert not blocked.granted and blocked.retry_at == pytest.approx(clock.now + 120.0)
    clock.now += 121.0
    assert store.settle("h.example", 3, 100, 3600.0, remaining=2.0) == pytest.approx(2.0)
    assert store.acquire("h.example", 2, 100, 3600.0).granted
    assert not store.acquire("h.example", 1, 100, 3600.0).granted


def test_meter_reads_docker_hub_rate_limit_headers(clock) -> None:
    with DockerHubStandIn({"library/nginx": {"1.0": ("sha256:" + "a" * 64, 1.0)}}) as hub:
        hub.remaining = 0
        session = requests.Session()
        meter = RequestMeter(clock)
        meter.install(session)
        refreshed = from_docker_hub(session, parse_image_reference("nginx"), ["1.0"], api=hub.url)
        assert refreshed.record.times() == {"1.0": 1.0}
        usage = meter.take(hub.url.split("//", 1)[1])
        assert (usage.requests, usage.remaining) == (1, 0.0)


def test_docker_hub_source_follows_pages() -> None:
    tags = {f"1.{n}.0": ("sha256:" + f"{n:064x}", 1000.0 + n) for n in range(250)}
    with DockerHubStandIn({"team/app": tags}) as hub:
        name = parse_image_reference("team/app")
        refreshed = from_docker_hub(
            requests.Session(), name, ["1.7.0", "1.249.0", "9"], api=hub.url
        )
        assert refreshed.reads == 3 == hub.hits
        assert refreshed.record.times() == {"1.7.0": 1007.0, "1.249.0": 1249.0}
        with pytest.raises(Exception, match="HTTP 404"):
            from_docker_hub(requests.Session(), parse_image_reference("no/such"), [], api=hub.url)


def test_scan_over_budget_is_deferred_not_failed(xapp, registry, clock) -> None:
    push_image(registry.url, "team/app", ["1.0.0"])
    spec = {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"}
    apply(xapp, "ImageRepository", "app", spec, {"tagpilot.dev/registry-budget": "1/1h"})
    assert imagerepository.reconcile(xapp, "apps", "app").ready == "True"
    xapp.objects.request_reconcile("ImageRepository", "apps", "app", "again")
    assert xapp.objects.claim("ImageRepository", "apps/app", now=clock.now, hold_seconds=60)
    out = imagerepository.reconcile(xapp, "apps", "app")
    repo = xapp.objects.require("ImageRepository", "apps", "app")
    deferred = condition(repo, DEFERRED)
    assert out.skipped and "scan deferred until" in out.skipped
    assert deferred["status"] == "True" and deferred["reason"] == "RegistryBudgetExhausted"
    assert "(1 per 1h0m0s)" in deferred["message"]
    assert condition(repo, "Ready")["status"] == "True", "a deferral is not a failure"
    # The first listing spent the one token (one GET, no auth); it comes back in an hour.
    assert next_due(xapp, "ImageRepository", "app") == pytest.approx(clock.now + 3600.0)
    clock.now = next_due(xapp, "ImageRepository", "app") + 1
    xapp.objects.request_reconcile("ImageRepository", "apps", "app", "later")
    assert imagerepository.reconcile(xapp, "apps", "app").ready == "True"
    assert condition(xapp.objects.require("ImageRepository", "apps", "app"), DEFERRED) is None


def _manifest(n: int) -> str:
    layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1}
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": f"sha256:{n:064x}", "size": 1},
            "layers": [{**layer, "digest": f"sha256:{n + 1000:064x}"}],
        }
    )


def test_ecr_push_times_from_moto(aws) -> None:
    ecr = boto3.client("ecr", region_name="eu-west-1")
    repo = ecr.create_repository(repositoryName="team/app")["repository"]
    for n in range(5):
        ecr.put_image(repositoryName="team/app", imageManifest=_manifest(n), imageTag=f"1.{n}.0")
    ecr.put_image(repositoryName="team/app", imageManifest=_manifest(4), imageTag="latest")
    host = repo["repositoryUri"].split("/", 1)[0]
    name = parse_image_reference(f"{host}/team/app")
    wanted = [f"1.{n}.0" for n in range(5)] + ["latest", "gone"]
    record = from_ecr(ecr, name, wanted).record
    assert sorted(record.tags) == sorted(wanted[:-1])
    described = ecr.describe_images(repositoryName="team/app", imageIds=[{"imageTag": "1.3.0"}])
    detail = described["imageDetails"][0]
    assert record.tags["1.3.0"] == (detail["imageDigest"], detail["imagePushedAt"].timestamp())
    assert record.tags["latest"] == record.tags["1.4.0"]


class _EcrPages(BaseHTTPRequestHandler):
    """ECR's JSON 1.1 DescribeImages with nextToken paging (moto 5.2 ignores maxResults)."""

    calls: list[dict] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.headers["X-Amz-Target"].endswith(".DescribeImages")
        type(self).calls.append(body)
        start, size = int(body.get("nextToken", "0")), body["maxResults"]
        details = [
            {
                "registryId": body["registryId"],
                "repositoryName": body["repositoryName"],
                "imageDigest": f"sha256:{n:064x}",
                "imageTags": [f"1.{n}.0"],
                "imagePushedAt": 1_700_000_000 + n,
            }
            for n in range(start, min(start + size, 25))
        ]
        answer: dict[str, Any] = {"imageDetails": details}
        if start + size < 25:
            answer["nextToken"] = str(start + size)
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_ecr_push_times_follow_next_token() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EcrPages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ecr = boto3.client(
            "ecr",
            region_name="eu-west-1",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 - a local stand-in
        )
        name = parse_image_reference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app")
        refreshed = from_ecr(ecr, name, [f"1.{n}.0" for n in range(25)], page_size=10)
    finally:
        server.shutdown()
        server.server_close()
    assert refreshed.reads == 3
    assert [c.get("nextToken") for c in _EcrPages.calls] == [None, "10", "20"]
    assert _EcrPages.calls[0]["filter"] == {"tagStatus": "TAGGED"}
    assert refreshed.record.times()["1.24.0"] == 1_700_000_024.0


def test_automation_waits_for_its_change_window(xapp, clock) -> None:
    clock.now = 1_796_108_400.0  # 2026-12-01T07:00:00Z, a Tuesday: 08:00 in Berlin
    annotations = {
        "tagpilot.dev/change-windows": "* 9-16 * * 1-5",
        "tagpilot.dev/change-windows-timezone": "Europe/Berlin",
    }
    spec = {"interval": "5m", "sourceRef": {"kind": "GitRepository", "name": "repo"}}
    apply(xapp, "ImageUpdateAutomation", "auto", spec, annotations)
    assert xapp.objects.claim("ImageUpdateAutomation", "apps/auto", now=clock.now, hold_seconds=60)
    out = automation.reconcile(xapp, "apps", "auto")
    assert out.skipped == (
        "outside the allowed change windows: next push possible at 2026-12-01T08:00:00Z"
    )
    resource = xapp.objects.require("ImageUpdateAutomation", "apps", "auto")
    waiting = condition(resource, WAITING)
    assert waiting["reason"] == "OutsideChangeWindow"
    assert next_due(xapp, "ImageUpdateAutomation", "auto") == 1_796_112_000.0
    clock.now = 1_796_112_000.0  # the window is open: the run goes ahead (and needs its source)
    out = automation.reconcile(xapp, "apps", "auto")
    assert out.skipped is None and out.reason == "SourceManagerFailed"
    assert condition(xapp.objects.require("ImageUpdateAutomation", "apps", "auto"), WAITING) is None
