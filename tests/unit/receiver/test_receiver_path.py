"""Webhook path derivation (reference §2)."""

from __future__ import annotations

import pytest
from tagpilot.receiver.path import webhook_path

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("token", "name", "namespace", "expected"),
    [
        (
            "b7e1c04f9a2d4e6f8c3a5b1d0e9f7a62",
            "ci-trigger",
            "apps",
            "/hook/9b98fd31627c24a9cf65a40f563a3fe61fd1cea78d9d704a79e4a09d9ae7881d",
        ),
        (
            "",
            "gha-oidc",
            "apps",
            "/hook/7d673ddfe003617b005a7a5caff9bdb98a88bfb5af8e1e5c9355d43da15ce57e",
        ),
    ],
)
def test_reference_examples(token, name, namespace, expected):
    assert webhook_path(token, name, namespace) == expected


def test_concatenation_has_no_separator():
    """Flux's formula is ambiguous on purpose of compatibility; the store must keep paths unique."""
    assert webhook_path("abc", "de", "f") == webhook_path("abcd", "e", "f")


def test_each_input_changes_the_path():
    base = webhook_path("t" * 32, "name", "ns")
    assert (
        len(
            {
                base,
                webhook_path("u" * 32, "name", "ns"),
                webhook_path("t" * 32, "other", "ns"),
                webhook_path("t" * 32, "name", "ns2"),
            }
        )
        == 4
    )
    assert base.startswith("/hook/") and len(base) == len("/hook/") + 64
    assert base == base.lower()
