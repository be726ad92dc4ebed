"""How new values are written (kyaml FormatNonStringStyle + go-yaml emitter)."""

from __future__ import annotations

import pytest
from tagpilot.update.scalar_style import double_quoted, plain_allowed, render_flow_scalar

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "style", "flow", "expected"),
    [
        ("1.2.3", None, False, "1.2.3"),
        ("1.10", None, False, '"1.10"'),
        ("", None, False, '""'),
        ("a #b", None, False, "'a #b'"),
        ("a: b", None, False, '"a: b"'),
        ("x,y", None, False, "x,y"),
        ("x,y", None, True, "'x,y'"),
        ("@x", None, False, "'@x'"),
        (" lead", None, False, "' lead'"),
        ("it's", "'", False, "'it''s'"),
        ("1.10", "'", False, "'1.10'"),
        ("tab\there", "'", False, '"tab\\there"'),
        ("1.2.3", '"', False, '"1.2.3"'),
        ('q"b\\', '"', False, '"q\\"b\\\\"'),
    ],
)
def test_render(value: str, style: str | None, flow: bool, expected: str) -> None:
    assert render_flow_scalar(value, style, flow) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("é", '"é"'),
        ("\x00\x1b", '"\\0\\e"'),
        ("\x01", '"\\x01"'),
        ("🚀", '"\\U0001F680"'),
        ("\ufeff", '"\\uFEFF"'),
    ],
)
def test_double_quoted_escapes(value: str, expected: str) -> None:
    assert double_quoted(value) == expected


@pytest.mark.parametrize(
    ("value", "flow", "expected"),
    [
        ("ghcr.io/org/app:1.2.3", False, True),
        # go-yaml treats any ":" as a flow indicator, so image refs get quotes in flow style
        ("ghcr.io/org/app:1.2.3", True, False),
        ("a:", False, False),
        ("-x", False, True),
        ("- x", False, False),
        ("?x", False, True),
        ("?x", True, False),
        ("a[0]", False, True),
        ("a[0]", True, False),
        ("---x", False, False),
        ("trail ", False, False),
    ],
)
def test_plain_allowed(value: str, flow: bool, expected: bool) -> None:
    assert plain_allowed(value, flow) is expected
