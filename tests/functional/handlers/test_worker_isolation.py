"""The scan worker Lambda: an object whose reconcile raises becomes a status, the invocation
reports no failed record (nothing goes to the DLQ) and the next record is still reconciled."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from tagpilot.api import conditions
from tagpilot.api.resource import Resource
from tagpilot.runtime.lambda_support import use_app

from tests.conftest import load_event
from tests.functional.handlers.test_events import Context, handler
from tests.support.hostile import HostileServer, http_response

pytestmark = pytest.mark.functional


@pytest.fixture
def installed(app: Any) -> Iterator[Any]:
    use_app(app)
    try:
        yield app
    finally:
        use_app(None)


def test_a_failing_object_is_a_status_not_a_failed_record(installed: Any) -> None:
    app = installed
    tags = http_response(json.dumps({"name": "org/app", "tags": ["1.0.0"]}).encode())
    with HostileServer(lambda peer: peer.send(tags)) as registry:
        for name, interval in (("odd", "5 minutes"), ("app", "5m")):
            spec = {"image": f"{registry.host}/org/app", "interval": interval, "insecure": True}
            app.objects.apply(
                Resource("image.toolkit.fluxcd.io/v1", "ImageRepository", name, "apps", spec=spec)
            )
        event = load_event("sqs-scan-imagerepository.json")
        odd = copy.deepcopy(event["Records"][0])
        odd["messageId"] = "odd"
        odd["body"] = json.dumps({"kind": "ImageRepository", "name": "odd", "namespace": "apps"})
        event["Records"].insert(0, odd)
        result = handler("scan")(event, Context())
    assert result == {"batchItemFailures": []}
    odd_status = app.objects.require("ImageRepository", "apps", "odd").status
    assert (conditions.get(odd_status, conditions.STALLED) or {}).get("reason") == "InvalidSpec"
    app_status = app.objects.require("ImageRepository", "apps", "app").status
    assert (conditions.get(app_status, conditions.READY) or {}).get("status") == "True"
