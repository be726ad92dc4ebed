"""The real cold start: environment -> ``load_settings`` -> ``build_app`` -> a handler.

The environment is the one ``template.yaml`` gives every function (its ``Globals``), with the
``!Ref``/``!Sub`` values resolved to DynamoDB Local tables and moto queues. No test wiring: the
handler builds its App itself on its first invocation, as in Lambda.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from tagpilot.api.resource import Resource
from tagpilot.config import load_settings
from tagpilot.runtime import lambda_support
from tagpilot.store.models import build_models, create_tables
from tagpilot.store.objects import SCHEDULED_KINDS
from tagpilot.store.queues import SqsQueue

from tests.conftest import load_event

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[3]
_counter = itertools.count()


class Context:
    function_name = "tagpilot-dispatcher"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:tagpilot-dispatcher"
    aws_request_id = "req-cold"


def _template_variables() -> dict[str, Any]:
    template = json.loads(json.dumps(cfn_yaml.load(str(ROOT / "template.yaml"))))
    variables: dict[str, Any] = template["Globals"]["Function"]["Environment"]["Variables"]
    return variables


def _resolve(value: Any, refs: dict[str, str]) -> str:
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return refs[value["Ref"]]
    if "Fn::Sub" in value:
        text = str(value["Fn::Sub"])
        for name, resolved in refs.items():
            text = text.replace("${" + name + "}", resolved)
        assert "${" not in text, f"unresolved substitution in {value}"
        return text
    raise AssertionError(f"unexpected intrinsic in the Globals environment: {value}")


@pytest.fixture
def lambda_env(
    dynamodb_endpoint: str, aws: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The Globals environment of template.yaml, resolved, plus what Lambda itself sets."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    n = f"{os.getpid()}-{next(_counter)}"
    refs = {
        "Stage": "cold",
        "LogLevel": "INFO",
        "ObjectsTable": f"cold-objects-{n}",
        "TagsTable": f"cold-tags-{n}",
        "LeasesTable": f"cold-leases-{n}",
        "ScanQueue": sqs.create_queue(QueueName=f"scan-{n}")["QueueUrl"],
        "AutomationQueue": sqs.create_queue(
            QueueName=f"automation-{n}.fifo", Attributes={"FifoQueue": "true"}
        )["QueueUrl"],
        "SourceQueue": sqs.create_queue(QueueName=f"source-{n}")["QueueUrl"],
        "EventsTable": f"cold-events-{n}",
        "EventBus": boto3.client("events", region_name="us-east-1")
        .create_event_bus(Name=f"cold-bus-{n}")["EventBusArn"]
        .rsplit("/", 1)[-1],
    }
    env = {name: _resolve(value, refs) for name, value in _template_variables().items()}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "tagpilot-dispatcher",
            "AWS_REGION": "us-east-1",
            # The one variable the template does not set: where DynamoDB is (Local, here).
            "TAGPILOT_DYNAMODB_ENDPOINT": dynamodb_endpoint,
        }
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # SAM creates the tables in AWS; here they are created from the same settings.
    create_tables(build_models(load_settings()))
    lambda_support.use_app(None)
    yield env
    lambda_support.use_app(None)


def _dispatcher() -> Any:
    spec = importlib.util.spec_from_file_location(
        "functions_dispatcher_cold", ROOT / "functions" / "dispatcher" / "app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def test_template_environment_parses_into_aws_settings(lambda_env: dict[str, str]) -> None:
    settings = load_settings()
    assert settings.mode == "aws"
    assert settings.stage == "cold"
    assert settings.objects_table == lambda_env["TAGPILOT_OBJECTS_TABLE"]
    assert settings.secrets_prefix == "tagpilot/cold/"
    assert settings.scan_queue_url == lambda_env["TAGPILOT_SCAN_QUEUE_URL"]


def test_first_invocation_builds_the_app_and_later_ones_reuse_it(
    lambda_env: dict[str, str],
) -> None:
    handler = _dispatcher()
    first = handler(load_event("schedule-dispatcher-tick.json"), Context())
    app = lambda_support.current_app()
    assert first == {"dispatched": {kind: 0 for kind in SCHEDULED_KINDS}}
    assert isinstance(app.scan_queue, SqsQueue)
    assert isinstance(app.automation_queue, SqsQueue)
    assert app.settings.dynamodb_endpoint == lambda_env["TAGPILOT_DYNAMODB_ENDPOINT"]

    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageRepository",
            "app",
            "apps",
            spec={"image": "registry.example.com/team/app", "interval": "5m"},
        )
    )
    second = handler(load_event("schedule-dispatcher-tick.json"), Context())
    assert lambda_support.current_app() is app
    assert second == {"dispatched": {**first["dispatched"], "ImageRepository": 1}}
    sqs = boto3.client("sqs", region_name="us-east-1")
    got = sqs.receive_message(QueueUrl=lambda_env["TAGPILOT_SCAN_QUEUE_URL"])["Messages"]
    assert [json.loads(m["Body"]) for m in got] == [
        {"kind": "ImageRepository", "name": "app", "namespace": "apps", "reason": "due"}
    ]
