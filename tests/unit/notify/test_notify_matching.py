"""Alert matching, metadata combination and NC's rate limiting, as tables."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.validation import Checker
from tagpilot.notify import alert as alerts
from tagpilot.notify.alert import AlertRef, MatchProblems, alert_matches, combine_metadata
from tagpilot.notify.event import Event
from tagpilot.notify.ratelimit import MemoryRateLimiter, event_key

pytestmark = pytest.mark.unit


def ev(
    kind: str = "ImagePolicy",
    name: str = "app",
    ns: str = "apps",
    sev: str = "info",
    message: str = "Latest image tag for x resolved to 1.2.3",
    **meta: str,
) -> Event:
    return Event(
        {"kind": kind, "name": name, "namespace": ns, "apiVersion": "image.toolkit.fluxcd.io/v1"},
        sev,
        "2026-07-01T10:04:05Z",
        message,
        "Succeeded",
        "image-reflector-controller",
        dict(meta),
    )


LABELS = {("ImagePolicy", "apps", "app"): {"team": "a", "tier": "web"}}


def labels(kind: str, ns: str, name: str) -> dict[str, str] | None:
    return LABELS.get((kind, ns, name))


def alert(**spec: Any) -> AlertRef:
    spec.setdefault("eventSources", [{"kind": "ImagePolicy", "name": "*"}])
    spec.setdefault("providerRef", {"name": "p"})
    return AlertRef("apps", "a", spec)


MATCH_TABLE = [
    ("wildcard name", alert(), ev(), True),
    ("exact name", alert(eventSources=[{"kind": "ImagePolicy", "name": "app"}]), ev(), True),
    ("other name", alert(eventSources=[{"kind": "ImagePolicy", "name": "web"}]), ev(), False),
    ("no glob forms", alert(eventSources=[{"kind": "ImagePolicy", "name": "ap*"}]), ev(), False),
    (
        "kind is case-sensitive",
        alert(eventSources=[{"kind": "imagepolicy", "name": "*"}]),
        ev(),
        False,
    ),
    ("namespace defaults to the alert's", alert(), ev(ns="other"), False),
    (
        "explicit namespace",
        alert(eventSources=[{"kind": "ImagePolicy", "name": "*", "namespace": "other"}]),
        ev(ns="other"),
        True,
    ),
    ("info alert takes errors", alert(), ev(sev="error"), True),
    ("error alert drops info", alert(eventSeverity="error"), ev(), False),
    ("error alert takes errors", alert(eventSeverity="error"), ev(sev="error"), True),
    (
        "matchLabels all present",
        alert(eventSources=[{"kind": "ImagePolicy", "name": "*", "matchLabels": {"team": "a"}}]),
        ev(),
        True,
    ),
    (
        "matchLabels mismatch",
        alert(eventSources=[{"kind": "ImagePolicy", "name": "*", "matchLabels": {"team": "b"}}]),
        ev(),
        False,
    ),
    (
        "matchLabels object gone",
        alert(eventSources=[{"kind": "ImagePolicy", "name": "*", "matchLabels": {"team": "a"}}]),
        ev(name="gone"),
        False,
    ),
    (
        "any source (OR)",
        alert(
            eventSources=[
                {"kind": "ImageRepository", "name": "*"},
                {"kind": "ImagePolicy", "name": "app"},
            ]
        ),
        ev(),
        True,
    ),
    ("suspended", alert(suspend=True), ev(), False),
    ("inclusion unanchored", alert(inclusionList=[r"resolved to \d"]), ev(), True),
    ("inclusion none match", alert(inclusionList=["^nope", "zzz"]), ev(), False),
    ("exclusion drops", alert(exclusionList=[r"1\.2\.3$"]), ev(), False),
    (
        "exclusion wins over inclusion",
        alert(inclusionList=["Latest"], exclusionList=["Latest"]),
        ev(),
        False,
    ),
    ("RE2 class syntax", alert(inclusionList=[r"[[:digit:]]\.[[:digit:]]"]), ev(), True),
]


@pytest.mark.parametrize(
    ("case", "the_alert", "event", "expected"), MATCH_TABLE, ids=[c[0] for c in MATCH_TABLE]
)
def test_matching(case: str, the_alert: AlertRef, event: Event, expected: bool) -> None:
    assert alert_matches(the_alert, event, labels) is expected


def test_invalid_regexp_is_no_match_and_a_warning() -> None:
    problems = MatchProblems()
    the_alert = alert(inclusionList=["(?=lookahead)", "Latest"], exclusionList=["(unclosed"])
    assert alert_matches(the_alert, ev(), labels, problems) is True
    assert problems.warnings == [
        ("InvalidConfig", "failed to compile inclusion regex: (?=lookahead)"),
        ("InvalidConfig", "failed to compile exclusion regex: (unclosed"),
    ]


def test_combined_metadata_precedence_and_conflicts() -> None:
    event = ev(
        **{
            "event.toolkit.fluxcd.io/env": "from-annotation",
            "event.toolkit.fluxcd.io/summary": "annotation summary",
            "image.toolkit.fluxcd.io/revision": "main@sha1:abc",
            "image.toolkit.fluxcd.io/env": "from-controller",
        }
    )
    the_alert = alert(eventMetadata={"cluster": "prod", "env": "from-alert"}, summary="sum")
    combined, conflicts = combine_metadata(event, the_alert)
    assert combined.metadata == {
        "env": "from-controller",
        "summary": "sum",
        "cluster": "prod",
        "revision": "main@sha1:abc",
    }
    assert sorted(conflicts) == ["env", "summary"]


def test_clean_metadata_keeps_prefixed_keys_only_and_drops_digest() -> None:
    event = ev(
        **{
            "image.toolkit.fluxcd.io/revision": "r",
            "image.toolkit.fluxcd.io/Digest": "sha256:x",
            "image.toolkit.fluxcd.io/checksum": "c",
            "event.toolkit.fluxcd.io/team": "a",
            "other.io/x": "y",
        }
    )
    assert alerts.clean_metadata(event).metadata == {
        "image.toolkit.fluxcd.io/revision": "r",
        "event.toolkit.fluxcd.io/team": "a",
    }


def test_rate_limit_key_is_nc_formula() -> None:
    import hashlib

    event = ev(**{"image.toolkit.fluxcd.io/revision": "r1", "event.toolkit.fluxcd.io/x": "y"})
    text = (
        "event/name=app/namespace=apps/kind=ImagePolicy/message=Latest image tag for x "
        "resolved to 1.2.3/revision=r1"
    )
    assert event_key(event) == hashlib.sha256(text.encode()).hexdigest()


RATE_TABLE = [
    # (seconds since the first event, passes?) on a 300 s fixed window
    (0, True),
    (1, False),
    (299.9, False),
    (300, True),
    (301, False),
    (650, True),
    (899, False),
    (900, True),
]


def test_rate_limit_fixed_windows() -> None:
    limiter = MemoryRateLimiter(300)
    got = [(t, limiter.allow("k", 1000.0 + t)) for t, _ in RATE_TABLE]
    assert got == RATE_TABLE


def test_rate_limit_ignores_severity_and_reason_but_not_revision() -> None:
    from dataclasses import replace

    limiter = MemoryRateLimiter(300)
    first = ev()
    assert limiter.allow(event_key(first), 0)
    assert not limiter.allow(event_key(replace(first, severity="error", reason="Other")), 1)
    assert limiter.allow(event_key(ev(**{"image.toolkit.fluxcd.io/revision": "r2"})), 2)
    assert limiter.allow(event_key(ev(message="other")), 3)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"eventSources": [{"kind": "ImagePolicy", "name": "*"}]}, "spec.providerRef: required"),
        ({"providerRef": {"name": "p"}}, "spec.eventSources: required"),
        (
            {
                "providerRef": {"name": "p"},
                "eventSeverity": "warn",
                "eventSources": [{"kind": "ImagePolicy", "name": "*"}],
            },
            "spec.eventSeverity",
        ),
        (
            {"providerRef": {"name": "p"}, "eventSources": [{"kind": "Deployment", "name": "*"}]},
            "spec.eventSources[0].kind",
        ),
        (
            {"providerRef": {"name": "p"}, "eventSources": [{"kind": "ImagePolicy"}]},
            "spec.eventSources[0].name",
        ),
        ({"providerRef": {"name": "p"}, "eventSources": [], "summary": "x" * 256}, "spec.summary"),
    ],
)
def test_alert_schema(spec: dict[str, Any], error: str) -> None:
    check = Checker()
    from tagpilot.api.alert import validate_spec

    validate_spec(spec, check)
    assert any(str(e).startswith(error) for e in check.errors), [str(e) for e in check.errors]


def test_provider_refuses_unknown_types_naming_the_supported_ones() -> None:
    from tagpilot.api.provider import validate_spec

    check = Checker()
    validate_spec({"type": "lark"}, check)
    message = str(check.errors[0])
    assert message.startswith("spec.type: provider lark not supported: tagpilot supports generic,")
    for kind in ("slack", "msteams", "pagerduty", "github", "bitbucket", "eventbridge", "sns"):
        assert kind in message


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"type": "slack", "timeout": "1h"}, "spec.timeout"),
        ({"type": "slack", "proxy": "socks5://x"}, "spec.proxy"),
        ({"type": "slack", "commitStatusExpr": "x"}, "spec.commitStatusExpr: spec.commitStatus"),
        ({"type": "slack", "address": "x" * 2049}, "spec.address"),
    ],
)
def test_provider_schema(spec: dict[str, Any], error: str) -> None:
    from tagpilot.api.provider import validate_spec

    check = Checker()
    validate_spec(spec, check)
    assert any(str(e).startswith(error) for e in check.errors), [str(e) for e in check.errors]


def test_every_supported_type_has_a_notifier() -> None:
    from tagpilot.api.provider import SUPPORTED_TYPES
    from tagpilot.notify.providers import NOTIFIERS

    assert tuple(NOTIFIERS) == SUPPORTED_TYPES
