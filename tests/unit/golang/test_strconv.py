"""Go ``strconv.ParseFloat(s, 64)``, checked against a table produced by Go 1.19.

``value`` is Go's ``FormatFloat(f, 'g', -1, 64)`` of the result, ``error`` the reason of the
``*NumError``. Literal data: Go is not needed to run these tests.
"""

from __future__ import annotations

import math

import pytest
from tagpilot.golang.strconv import NumError, parse_float

pytestmark = pytest.mark.unit

GO_PARSE_FLOAT = [
    ("1e3", "1000", None),
    ("+5", "5", None),
    ("-5", "-5", None),
    ("007", "7", None),
    (".5", "0.5", None),
    ("5.", "5", None),
    (".", None, "invalid syntax"),
    ("Inf", "+Inf", None),
    ("+Inf", "+Inf", None),
    ("-inf", "-Inf", None),
    ("infinity", "+Inf", None),
    ("-Infinity", "-Inf", None),
    ("INFINITY", "+Inf", None),
    ("infin", None, "invalid syntax"),
    ("inf", "+Inf", None),
    ("nan", "NaN", None),
    ("NaN", "NaN", None),
    ("+nan", None, "invalid syntax"),
    ("-NaN", None, "invalid syntax"),
    ("nan1", None, "invalid syntax"),
    ("1_000", "1000", None),
    ("1__000", None, "invalid syntax"),
    ("_1000", None, "invalid syntax"),
    ("1000_", None, "invalid syntax"),
    ("1_000.5", "1000.5", None),
    ("1_000.5_5", "1000.55", None),
    ("1e1_0", "1e+10", None),
    ("1_e5", None, "invalid syntax"),
    ("0x1p4", "16", None),
    ("0x1P-2", "0.25", None),
    ("0x10", None, "invalid syntax"),
    ("0x1.8p1", "3", None),
    ("0x_1p4", "16", None),
    ("0x1_0p4", "256", None),
    ("0X.8p1", "1", None),
    ("0x.p1", None, "invalid syntax"),
    ("0xp1", None, "invalid syntax"),
    ("0b101", None, "invalid syntax"),
    ("0o17", None, "invalid syntax"),
    (" 1", None, "invalid syntax"),
    ("1 ", None, "invalid syntax"),
    ("1e400", None, "value out of range"),
    ("-1e400", None, "value out of range"),
    ("1e-400", "0", None),
    ("1.7976931348623159e308", None, "value out of range"),
    ("4.9e-324", "5e-324", None),
    ("2e-324", "0", None),
    ("1e", None, "invalid syntax"),
    ("1e+", None, "invalid syntax"),
    ("e5", None, "invalid syntax"),
    ("1.2.3", None, "invalid syntax"),
    ("0001.5", "1.5", None),
    ("1E5", "100000", None),
    ("1e05", "100000", None),
    ("+", None, "invalid syntax"),
    ("-", None, "invalid syntax"),
    ("1_2_3", "123", None),
    ("0x1p+4", "16", None),
    ("0x1p4_0", "1.099511627776e+12", None),
    ("00x1p4", None, "invalid syntax"),
    ("1.5e-3", "0.0015", None),
    ("123456789012345678901234567890", "1.2345678901234568e+29", None),
    ("0.1", "0.1", None),
    ("12abc", None, "invalid syntax"),
    ("0x1pff", None, "invalid syntax"),
    ("1_0e1_0", "1e+11", None),
    ("1e309", None, "value out of range"),
    ("0x1p1024", None, "value out of range"),
    ("0x1p-1080", "0", None),
    ("-0", "-0", None),
    ("+.5e-1", "0.05", None),
    ("1.e5", "100000", None),
    (".e5", None, "invalid syntax"),
    ("0x1.p1", "2", None),
    ("0x.8p1", "1", None),
    ("٣", None, "invalid syntax"),
    ("1_000_000", "1e+06", None),
    ("+1_0", "10", None),
    ("-_1", None, "invalid syntax"),
    ("0x1p", None, "invalid syntax"),
]


def _go_value(text: str) -> float:
    return float(text.replace("+Inf", "inf").replace("-Inf", "-inf").replace("NaN", "nan"))


@pytest.mark.parametrize(("text", "value", "error"), GO_PARSE_FLOAT)
def test_parse_float_equals_go(text: str, value: str | None, error: str | None) -> None:
    if error is not None:
        with pytest.raises(NumError) as info:
            parse_float(text)
        assert info.value.reason == error
        assert str(info.value) == f'strconv.ParseFloat: parsing "{text}": {error}'
        return
    assert value is not None
    got, want = parse_float(text), _go_value(value)
    assert got == want or (math.isnan(got) and math.isnan(want))
    assert math.copysign(1, got) == math.copysign(1, want) or math.isnan(want)
