"""GitHub deliveries need a JSON (or form) Content-Type, as in Flux: otherwise 400.

Through the webhook Lambda handler with the signed sample delivery: go-github's
``ValidatePayload`` (used by Flux) parses ``Content-Type`` with ``mime.ParseMediaType`` and
accepts only ``application/json`` and ``application/x-www-form-urlencoded``; a missing or other
type is a 400 and nothing is reconciled (reference: flux-receivers.md, 3.3).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import load_event
from tests.functional.handlers.test_events import Context, handler, queued, wired  # noqa: F401

pytestmark = pytest.mark.functional

SAMPLE = "webhook-github-package-published.json"


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "application/vnd.github+json", "application/json/x", "json"],
)
def test_github_delivery_without_json_content_type_is_400(
    wired: Any,  # noqa: F811
    content_type: str | None,
) -> None:
    event = load_event(SAMPLE)
    event["headers"].pop("content-type")
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    assert handler("webhook")(event, Context())["statusCode"] == 400
    assert queued(wired, 0) == [] and queued(wired, 1) == []


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=utf-8"])
def test_github_delivery_with_json_content_type_is_accepted(
    wired: Any,  # noqa: F811
    content_type: str,
) -> None:
    event = load_event(SAMPLE)
    event["headers"]["content-type"] = content_type
    assert handler("webhook")(event, Context())["statusCode"] == 200
    assert queued(wired, 0) + queued(wired, 1)
