"""Every sample in ``events/`` through its Lambda handler, in-process.

DynamoDB is DynamoDB Local; SQS, Secrets Manager and ECR are moto. The handlers are loaded from
``functions/<name>/app.py`` exactly as Lambda loads them.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from ruamel.yaml import YAML
from tagpilot.api.loader import load
from tagpilot.api.resource import Resource
from tagpilot.receiver.gcr import GcrTokenVerifier
from tagpilot.reconcile.apply import apply_documents
from tagpilot.runtime.lambda_support import use_app
from tagpilot.store.queues import SqsQueue

from tests.conftest import EVENTS, load_event

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[3]
ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app"
HANDLERS = {
    "sqs-scan-": "scan",
    "sqs-automation-": "automation",
    "sqs-source-": "source",
    "schedule-": "dispatcher",
    "dynamodb-stream-": "dispatcher",
    "webhook-": "webhook",
    "ecr-": "ecr_events",
    "eventbridge-tagpilot-": "notify",
    "sqs-delivery-": "delivery",
}


class Context:
    function_name = "tagpilot-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:tagpilot-test"
    aws_request_id = "req-1"


def handler(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(
        f"functions_{name}_app", ROOT / "functions" / name / "app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def samples() -> list[str]:
    return sorted(
        p.name for p in EVENTS.glob("*.json") if any(p.name.startswith(k) for k in HANDLERS)
    )


def test_every_event_file_has_a_handler() -> None:
    data_files = {"gcr-jwks.json"}
    others = {p.name for p in EVENTS.glob("*.json")} - set(samples()) - data_files
    assert others == set()


@pytest.fixture
def wired(app: Any) -> Any:
    """The test App with real SQS queues (moto), every sample Receiver, and matching objects."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    scan_url = sqs.create_queue(QueueName="scan")["QueueUrl"]
    auto_url = sqs.create_queue(QueueName="automation.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    app.scan_queue = SqsQueue(sqs, scan_url)
    app.automation_queue = SqsQueue(sqs, auto_url)
    docs = [d for d in load([str(EVENTS / "receivers.yaml")])]
    labels: dict[str, str] = {}
    for doc in YAML(typ="safe").load_all((EVENTS / "receivers.yaml").read_text()):
        for res in (doc.get("spec") or {}).get("resources") or []:
            labels.update(res.get("matchLabels") or {})
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageRepository",
            "app",
            "apps",
            spec={"image": ECR_IMAGE, "interval": "5m", "provider": "aws"},
            labels=labels,
        )
    )
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageUpdateAutomation",
            "apps",
            "apps",
            spec={
                "interval": "5m",
                "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                "git": {"commit": {"author": {"email": "bot@example.com"}}},
                "update": {"path": "."},
            },
        )
    )
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "app",
            "apps",
            spec={"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "1.x"}}},
        )
    )
    apply_documents(app, docs)
    gcr = load_event("webhook-gcr-insert.json")
    jwks = json.loads((EVENTS / "gcr-jwks.json").read_text())
    now = gcr["requestContext"]["timeEpoch"] / 1000
    app.gcr_verifier = GcrTokenVerifier(lambda url: jwks, clock=lambda: now)
    use_app(app)
    yield app
    use_app(None)


def queued(app: Any, which: int) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=("scan", "automation.fifo")[which])["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in got.get("Messages", [])]


@pytest.mark.parametrize("name", [n for n in samples() if n.startswith("webhook-")])
def test_webhook_samples_request_a_scan(wired: Any, name: str) -> None:
    result = handler("webhook")(load_event(name), Context())
    assert result["statusCode"] == 200, name
    sent = queued(wired, 0) + queued(wired, 1)
    assert sent, "the matched object is queued at once"
    for message in sent:
        assert message["reason"] == "webhook"
        obj = wired.objects.require(message["kind"], message["namespace"], message["name"])
        assert obj.requested_at, "the matched object carries a reconcile request"


def test_webhook_wrong_path_is_404(wired: Any) -> None:
    event = load_event("webhook-generic-distribution-push.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/hook/" + "0" * 64
    assert handler("webhook")(event, Context())["statusCode"] == 404
    assert queued(wired, 0) == []


def test_webhook_get_is_405(wired: Any) -> None:
    event = load_event("webhook-generic-distribution-push.json")
    event["requestContext"]["http"]["method"] = "GET"
    assert handler("webhook")(event, Context())["statusCode"] == 405


def test_ecr_push_requests_scan_once_per_event(wired: Any) -> None:
    event = load_event("ecr-push.json")
    first = handler("ecr_events")(event, Context())
    again = handler("ecr_events")(event, Context())
    assert first == {"scansRequested": ["apps/app"]}
    assert again == {"scansRequested": []}, "a duplicate delivery requests nothing"
    assert len(queued(wired, 0)) == 1


def test_ecr_push_without_tag_still_scans(wired: Any) -> None:
    assert handler("ecr_events")(load_event("ecr-push-no-tag.json"), Context()) == {
        "scansRequested": ["apps/app"]
    }


def test_ecr_delete_is_ignored(wired: Any) -> None:
    assert handler("ecr_events")(load_event("ecr-delete.json"), Context()) == {"scansRequested": []}


def test_dispatcher_schedule_queues_due_objects(wired: Any) -> None:
    result = handler("dispatcher")(load_event("schedule-dispatcher-tick.json"), Context())
    assert result["dispatched"]["ImageRepository"] == 1
    assert {m["name"] for m in queued(wired, 0)} == {"app"}
    again = handler("dispatcher")(load_event("schedule-dispatcher-tick.json"), Context())
    assert again["dispatched"]["ImageRepository"] == 0, "a claimed object is not sent twice"


def test_dispatcher_stream_dispatches_changed_object(wired: Any) -> None:
    result = handler("dispatcher")(load_event("dynamodb-stream-spec-changed.json"), Context())
    assert result == {"batchItemFailures": []}
    assert queued(wired, 0) == [
        {"kind": "ImageRepository", "namespace": "apps", "name": "app", "reason": "changed"}
    ]


def test_scan_sample_records_registry_failure_in_status(wired: Any) -> None:
    result = handler("scan")(load_event("sqs-scan-imagerepository.json"), Context())
    assert result == {"batchItemFailures": []}
    obj = wired.objects.require("ImageRepository", "apps", "app")
    ready = next(c for c in obj.status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "ReadOperationFailed")
    assert obj.failures == 1


def test_scan_fails_the_record_on_a_bad_message(wired: Any) -> None:
    event = load_event("sqs-scan-imagerepository.json")
    event["Records"][0]["body"] = "not json"
    result = handler("scan")(event, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_automation_sample_reports_missing_git_repository(wired: Any) -> None:
    wired.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageUpdateAutomation",
            "app",
            "apps",
            spec={
                "interval": "5m",
                "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                "git": {"commit": {"author": {"email": "bot@example.com"}}},
                "update": {"path": "."},
            },
        )
    )
    result = handler("automation")(load_event("sqs-automation-run.json"), Context())
    assert result == {"batchItemFailures": []}
    obj = wired.objects.require("ImageUpdateAutomation", "apps", "app")
    ready = next(c for c in obj.status["conditions"] if c["type"] == "Ready")
    assert (ready["reason"], ready["message"]) == (
        "SourceManagerFailed",
        "failed to get GitRepository 'apps/fleet': not found",
    )


def _oci_repository(app: Any) -> None:
    app.objects.apply(
        Resource(
            "source.toolkit.fluxcd.io/v1",
            "OCIRepository",
            "manifests",
            "apps",
            spec={"url": f"oci://{ECR_IMAGE}", "interval": "5m", "provider": "aws"},
        )
    )


def test_source_sample_records_registry_failure_in_status(wired: Any) -> None:
    _oci_repository(wired)
    result = handler("source")(load_event("sqs-source-ocirepository.json"), Context())
    assert result == {"batchItemFailures": []}
    obj = wired.objects.require("OCIRepository", "apps", "manifests")
    ready = next(c for c in obj.status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "OCIArtifactPullFailed")
    assert ready["message"].startswith("failed to determine artifact digest: ")
    assert obj.failures == 1 and "artifact" not in obj.status


def test_ecr_push_reconciles_oci_repositories_of_the_repository(wired: Any) -> None:
    _oci_repository(wired)
    sqs = boto3.client("sqs", region_name="us-east-1")
    source_url = sqs.create_queue(QueueName="source")["QueueUrl"]
    wired.source_queue = SqsQueue(sqs, source_url)
    result = handler("ecr_events")(load_event("ecr-push.json"), Context())
    assert sorted(result["scansRequested"]) == ["apps/app", "apps/manifests"]
    got = sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["kind"] for m in got] == ["OCIRepository"]
    assert [m["kind"] for m in queued(wired, 0)] == ["ImageRepository"]
    obj = wired.objects.require("OCIRepository", "apps", "manifests")
    assert obj.requested_at and obj.requested_at.startswith("ecr-event:")
