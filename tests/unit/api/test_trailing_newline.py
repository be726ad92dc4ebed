"""Python's ``$`` also matches before a trailing newline; Go's (and so Flux's CRD patterns) does
not. Every anchored pattern is matched whole, so a value with a trailing newline is refused as
Flux refuses it, never stored with the newline."""

from __future__ import annotations

import pytest
from tagpilot.api.loader import validate_document
from tagpilot.golang.duration import DurationError, parse_duration, parse_go_duration
from tagpilot.registry.content import is_digest
from tagpilot.source.errors import InvalidURLError
from tagpilot.source.urls import parse_git_url

pytestmark = pytest.mark.unit

DIGEST = "sha256:" + "a" * 64


def errors_of(doc: dict) -> list[str]:
    return [str(e) for e in validate_document("f.yaml", 1, doc, "default").errors]


def repo(name: str = "app", namespace: str = "apps", **spec: object) -> dict:
    return {
        "apiVersion": "image.toolkit.fluxcd.io/v1",
        "kind": "ImageRepository",
        "metadata": {"name": name, "namespace": namespace, "labels": {"team": "a"}},
        "spec": {"image": "ghcr.io/org/app", "interval": "5m", **spec},
    }


@pytest.mark.parametrize("text", ["10m\n", "1h\n", "5s\n"])
def test_durations_with_a_trailing_newline_are_refused(text: str) -> None:
    assert parse_duration(text.rstrip("\n")) > 0
    with pytest.raises(DurationError, match="invalid duration"):
        parse_duration(text)
    with pytest.raises(DurationError, match="must match"):
        parse_duration(text, allow_hours=False)


def test_go_duration_reports_an_unknown_unit_for_a_newline() -> None:
    # Go: "10\n" has a unit, "\n", which it does not know; it is not a missing unit.
    with pytest.raises(DurationError, match="unknown unit"):
        parse_go_duration("10\n")
    with pytest.raises(DurationError, match="missing unit"):
        parse_go_duration("10")


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (repo(name="app\n"), "metadata.name"),
        (repo(namespace="apps\n"), "metadata.namespace"),
        (repo(interval="5m\n"), "spec.interval"),
        (repo(timeout="30s\n"), "spec.timeout"),
    ],
)
def test_manifest_fields_with_a_trailing_newline_are_refused(doc: dict, field: str) -> None:
    assert any(e.startswith(field) for e in errors_of(doc)), errors_of(doc)


def test_label_values_with_a_trailing_newline_are_refused() -> None:
    doc = repo()
    assert errors_of(doc) == []
    doc["metadata"]["labels"] = {"team": "a\n"}
    assert errors_of(doc), "label value"
    doc["metadata"]["labels"] = {"team\n": "a"}
    assert errors_of(doc), "label name"


def test_digests_and_scp_urls_are_matched_whole() -> None:
    assert is_digest(DIGEST)
    assert not is_digest(DIGEST + "\n")
    assert parse_git_url("git@github.com:org/repo.git").host == "github.com"
    # It used to parse, the newline silently dropped from the path.
    with pytest.raises(InvalidURLError, match="unsupported Git URL"):
        parse_git_url("git@github.com:org/repo.git\n")
