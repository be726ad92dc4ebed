"""The YAML 1.1 non-string check that decides double quotes (kyaml IsValueNonString)."""

from __future__ import annotations

import pytest
from tagpilot.update.yaml11 import is_timestamp, is_yaml11_non_string

pytestmark = pytest.mark.unit

NON_STRINGS = [
    # ints (Go ParseInt base 0 after removing "_"), incl. YAML 1.1 octal and 1.2 0o
    "0",
    "42",
    "-42",
    "+42",
    "0755",
    "0x1F",
    "0X1f",
    "0b1",
    "-0b101",
    "0o17",
    "1_000",
    "08",
    "20240115",
    "99999999999999999999",
    # floats
    "1.10",
    "1.0",
    "1.",
    ".5",
    "-.5",
    "1e3",
    "1E+3",
    "-1.5e-3",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    ".NAN",
    # sexagesimal (YAML 1.1 type repository)
    "1:20",
    "-1:20:30",
    "190:20:30.15",
    # bools, every spelling yaml.v2 knows
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    # null
    "~",
    "null",
    "Null",
    "NULL",
    # timestamps
    "2021-01-01",
    "2021-1-1",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14T21:59:43Z",
    "2001-12-14 21:59:43.10",
    # structures and documents with no value
    "a: b",
    "[x]",
    "{x: y}",
    "- x",
    "-",
    "? x",
    "#comment",
    "---",
    "<<",
    "&a",
]
STRINGS = [
    "",
    "1.2.3",
    "v1.2.3",
    "1.2.3-rc.1",
    "ghcr.io/org/app:1.2.3",
    "latest",
    "main-abc123",
    "sha256:0123",
    "yes!",
    "Yess",
    "tRue",
    "nULL",
    "0x",
    "0b",
    "0b2",
    "1e",
    "1.2e",
    "1_000a",
    "2021-13-01",
    "2021-02-30",
    "2021-01-01T",
    "12:61",
    "inf",
    "nan",
    "a #b",
    "a:b",
    "x,y",
    "it's",
    "'quoted'",
    '"dq"',
    "|",
    "@at",
    "multi\nline",
    "localhost:5000/app",
]


@pytest.mark.parametrize("value", NON_STRINGS)
def test_non_strings(value: str) -> None:
    assert is_yaml11_non_string(value) is True


@pytest.mark.parametrize("value", STRINGS)
def test_strings(value: str) -> None:
    assert is_yaml11_non_string(value) is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2021-01-01 24:00:00", False),
        ("21-01-01", False),
    ],
)
def test_timestamp_validation(value: str, expected: bool) -> None:
    assert is_timestamp(value) is expected
