import pytest
from tagpilot.golang.duration import DurationError, format_duration, parse_duration

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1m", 60.0),
        ("1m30s", 90.0),
        ("1.5h", 5400.0),
        ("500ms", 0.5),
        ("2h45m", 9900.0),
        ("0s", 0.0),
    ],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "1d", "-1m", "1 m", "m", "1.m", "1h", "1e3s"])
def test_timeout_rejects(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text, allow_hours=False)


@pytest.mark.parametrize(("seconds", "text"), [(5, "5s"), (90, "1m30s"), (7200, "2h0m0s")])
def test_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
