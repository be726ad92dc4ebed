"""EventBridge ``ECR Image Action`` parsing (reference §7)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from tagpilot.receiver.ecr import parse_ecr_event, registry_host
from tagpilot.receiver.errors import EcrEventError

pytestmark = pytest.mark.unit

EVENTS = Path(__file__).resolve().parents[3] / "events"


def load(name):
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def test_push_sample():
    event = load("ecr-push.json")
    parsed = parse_ecr_event(event)
    account, region = event["account"], event["region"]
    detail = event["detail"]
    assert parsed.image == f"{account}.dkr.ecr.{region}.amazonaws.com/{detail['repository-name']}"
    assert (parsed.tag, parsed.action, parsed.result) == (detail["image-tag"], "PUSH", "SUCCESS")
    assert (parsed.event_id, parsed.digest) == (event["id"], detail["image-digest"])


def test_push_without_tag_still_asks_for_a_rescan():
    parsed = parse_ecr_event(load("ecr-push-no-tag.json"))
    assert parsed is not None and parsed.tag is None


def test_delete_is_ignored_unless_asked_for():
    event = load("ecr-delete.json")
    assert parse_ecr_event(event) is None
    parsed = parse_ecr_event(event, include_deletes=True)
    assert (parsed.action, parsed.tag) == ("DELETE", event["detail"]["image-tag"])


def mutated(path, value):
    event = copy.deepcopy(load("ecr-push.json"))
    target = event
    *parents, last = path
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return event


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("detail", "result"), "FAILURE"),
        (("detail", "action-type"), "REPLICATE"),
    ],
)
def test_ignored_actions(path, value):
    assert parse_ecr_event(mutated(path, value), include_deletes=True) is None


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("source",), "custom.app"),
        (("detail-type",), "ECR Image Scan"),
        (("id",), KeyError),
        (("account",), "12345"),
        (("region",), "Mars"),
        (("detail",), "x"),
        (("detail", "repository-name"), KeyError),
        (("detail", "repository-name"), "Team/App"),
        (("detail", "repository-name"), "team//app"),
        (("detail", "repository-name"), "a"),
        (("detail", "image-tag"), "bad tag"),
        (("detail", "image-tag"), 5),
        (("detail", "action-type"), KeyError),
        (("detail", "result"), None),
    ],
)
def test_malformed_events(path, value):
    with pytest.raises(EcrEventError):
        parse_ecr_event(mutated(path, value))


def test_unknown_fields_and_empty_tag_are_tolerated():
    event = mutated(("detail", "artifact-media-type"), "application/vnd.oci.image.config.v1+json")
    event["detail"]["image-tag"] = ""
    assert parse_ecr_event(event).tag is None


@pytest.mark.parametrize(
    ("region", "domain"),
    [
        ("us-east-1", "amazonaws.com"),
        ("cn-northwest-1", "amazonaws.com.cn"),
        ("us-iso-east-1", "c2s.ic.gov"),
        ("us-isob-east-1", "sc2s.sgov.gov"),
        ("us-gov-west-1", "amazonaws.com"),
    ],
)
def test_registry_host_by_partition(region, domain):
    assert registry_host("123456789012", region) == f"123456789012.dkr.ecr.{region}.{domain}"
