"""Token-bucket arithmetic, rate-limit header parsing, change windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tagpilot.api.extensions import ExtensionError
from tagpilot.reconcile.windows import next_opening
from tagpilot.registry.budget import limits_from_headers, refill
from tagpilot.registry.names import parse_image_reference
from tagpilot.registry.pushtimes import choose_source

pytestmark = pytest.mark.unit
NOW = 1_000_000.0


def test_refill_is_capped() -> None:
    assert refill(0.0, 3600.0, 100.0, 100 / 3600) == pytest.approx(100.0)
    assert refill(50.0, 1e9, 100.0, 1.0) == 100.0
    assert refill(-5.0, 10.0, 100.0, 1.0) == 5.0


@pytest.mark.parametrize(
    ("status", "headers", "remaining", "wait"),
    [
        (200, {}, None, None),
        (200, {"ratelimit-remaining": "76;w=21600"}, 76.0, None),
        (200, {"RateLimit-Remaining": "0", "RateLimit-Reset": "30"}, 0.0, 30.0),
        (200, {"RateLimit": "limit=100, remaining=0, reset=12"}, 0.0, 12.0),
        (429, {"Retry-After": "120"}, None, 120.0),
        (429, {"RateLimit-Reset": "7"}, None, 7.0),
        (503, {"Retry-After": "Mon, 12 Jan 1970 13:46:50 GMT"}, None, 10.0),
    ],
)
def test_limits_from_headers(status, headers, remaining, wait) -> None:
    import requests

    structure = requests.structures.CaseInsensitiveDict(headers)
    limits = limits_from_headers(status, structure, NOW)
    assert (limits.remaining, limits.wait) == (remaining, wait)


def _at(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def test_change_window_open_and_next_opening_in_zone() -> None:
    ann = {
        "tagpilot.dev/change-windows": "* 9-16 * * 1-5",
        "tagpilot.dev/change-windows-timezone": "Europe/Berlin",
    }
    # Tuesday 2026-12-01 09:30 UTC is 10:30 in Berlin: open.
    assert next_opening(ann, _at(2026, 12, 1, 9, 30)) is None
    # 16:30 UTC is 17:30 Berlin: closed until Wednesday 09:00 Berlin = 08:00 UTC.
    assert next_opening(ann, _at(2026, 12, 1, 16, 30)) == _at(2026, 12, 2, 8, 0)
    # Saturday: next opening Monday 08:00 UTC.
    assert next_opening(ann, _at(2026, 12, 5, 12, 0)) == _at(2026, 12, 7, 8, 0)


def test_several_windows_and_errors() -> None:
    ann = {"tagpilot.dev/change-windows": "0-29 3 * * *; * 22 * * 0"}
    assert next_opening(ann, _at(2026, 12, 1, 3, 10)) is None
    assert next_opening(ann, _at(2026, 12, 1, 3, 45)) == _at(2026, 12, 2, 3, 0)
    assert next_opening({}, NOW) is None
    with pytest.raises(ExtensionError, match="invalid cron"):
        next_opening({"tagpilot.dev/change-windows": "61 * * * *"}, NOW)
    with pytest.raises(ExtensionError, match="time zone"):
        next_opening(
            {
                "tagpilot.dev/change-windows": "* * * * *",
                "tagpilot.dev/change-windows-timezone": "Mars/Olympus",
            },
            NOW,
        )


def test_auto_source_by_host() -> None:
    def source(image: str) -> str:
        return choose_source("auto", parse_image_reference(image))

    assert source("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app") == "ecr"
    assert source("nginx") == "dockerhub"
    assert source("ghcr.io/org/app") == "config"
    assert choose_source("config", parse_image_reference("nginx")) == "config"
