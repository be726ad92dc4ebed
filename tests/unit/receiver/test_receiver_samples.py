"""Every committed ``events/webhook-*.json`` validates against its Receiver in receivers.yaml."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from tagpilot.api.receiver import RECEIVER_TYPES
from tagpilot.receiver.pipeline import StoredReceiver, handle_request
from tagpilot.receiver.validate import validate

pytestmark = pytest.mark.unit

EVENTS = Path(__file__).resolve().parents[3] / "events"
WEBHOOK_FILES = sorted(p.name for p in EVENTS.glob("webhook-*.json"))


def test_there_is_one_sample_per_receiver_type(samples):
    assert sorted(samples) == sorted(RECEIVER_TYPES)
    assert len(WEBHOOK_FILES) == len(RECEIVER_TYPES)


def test_sample_file_names_name_their_type(samples):
    for kind, sample in samples.items():
        assert sample.file.startswith(f"webhook-{kind}-")
        assert sample.receiver.spec.type == kind


@pytest.mark.parametrize("file_name", WEBHOOK_FILES)
def test_sample_is_an_apigw_v2_post_without_query(file_name):
    event = json.loads((EVENTS / file_name).read_text(encoding="utf-8"))
    assert event["version"] == "2.0"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawQueryString"] == ""
    assert all(name == name.lower() for name in event["headers"])


@pytest.mark.parametrize("kind", sorted(RECEIVER_TYPES))
def test_sample_validates(samples, sample_gcr_verifier, kind):
    sample = samples[kind]
    event = validate(
        kind,
        sample.receiver.spec.events,
        sample.secret,
        sample.request.headers,
        sample.request.body,
        gcr_verifier=sample_gcr_verifier,
    )
    assert event.receiver_type == kind
    if sample.receiver.spec.events:
        assert event.event in sample.receiver.spec.events


@pytest.mark.parametrize("kind", sorted(RECEIVER_TYPES))
def test_sample_runs_through_the_pipeline(samples, sample_gcr_verifier, store_factory, kind):
    sample = samples[kind]
    receiver = sample.receiver
    store = store_factory()
    expected = set()
    for entry in receiver.spec.resources:
        namespace = entry.namespace or receiver.namespace
        name = "labelled" if entry.name == "*" else entry.name
        store.add(entry.kind, namespace, name, **dict(entry.match_labels or {}))
        store.add(entry.kind, namespace, "unrelated", other="x")
        expected.add((entry.kind, namespace, name))
    requested = []

    outcome = handle_request(
        sample.request,
        lambda path: StoredReceiver(receiver) if path == sample.request.path else None,
        lambda ns, name: (
            sample.secret if (ns, name) == (receiver.namespace, receiver.spec.secret_name) else None
        ),
        store,
        lambda ref: requested.append((ref.kind, ref.namespace, ref.name)),
        sample_gcr_verifier,
    )

    assert (outcome.status, outcome.reason) == (200, "ok")
    assert set(requested) == expected


def test_image_hints_name_the_pushed_tag(samples, sample_gcr_verifier):
    """Every registry sample pushes tag 1.4.2; the hints must find it where the sender puts it."""
    for kind in (
        "generic",
        "generic-hmac",
        "github",
        "harbor",
        "dockerhub",
        "quay",
        "gcr",
        "nexus",
        "acr",
    ):
        sample = samples[kind]
        event = validate(
            kind,
            sample.receiver.spec.events,
            sample.secret,
            sample.request.headers,
            sample.request.body,
            gcr_verifier=sample_gcr_verifier,
        )
        assert "1.4.2" in {hint.tag for hint in event.images}, kind


def test_committed_samples_match_the_generator(tmp_path):
    """The JSON and YAML in events/ are exactly what make_webhook_events.py writes."""
    spec = importlib.util.spec_from_file_location(
        "make_webhook_events", EVENTS / "make_webhook_events.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "receivers.yaml" in written and len(written) == len(WEBHOOK_FILES) + 5
    for name in written:
        assert (tmp_path / name).read_bytes() == (EVENTS / name).read_bytes(), name
