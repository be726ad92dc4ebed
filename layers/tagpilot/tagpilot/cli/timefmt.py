"""Times and durations as the flux CLI prints and parses them (standard library only)."""

from __future__ import annotations

import argparse
from datetime import datetime


def local_rfc3339(value: object) -> str:
    """``2020-12-13T15:51:48Z`` -> RFC 3339 in this machine's time zone (``Z`` when UTC), as flux
    prints ``LAST SCAN``/``LAST RUN``; empty when unset, unchanged when unparsable."""
    if not value:
        return ""
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    local = moment.astimezone()
    offset = local.utcoffset()
    stamp = local.replace(microsecond=0).isoformat()
    if offset is not None and not offset.total_seconds():
        stamp = stamp[: -len("+00:00")] + "Z"
    return stamp


def go_duration(text: str) -> float:
    """An argparse ``type``: a Go duration (``30s``, ``5m``, ``1h30m``, ``1.5h``) in seconds."""
    from tagpilot.golang.duration import DurationError, parse_go_duration

    try:
        nanos = parse_go_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if nanos < 0:
        raise argparse.ArgumentTypeError(f'time: negative duration "{text}"')
    return nanos / 1e9


def go_duration_text(text: str) -> str:
    """An argparse ``type`` for durations written into a spec, normalised (``5m`` -> ``5m0s``)."""
    from tagpilot.golang.duration import DurationError, format_go_duration, parse_go_duration

    try:
        return format_go_duration(parse_go_duration(text))
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def seconds_or_duration(text: str) -> float:
    """An argparse ``type``: a Go duration (``90s``, ``2m``), or a bare number of seconds."""
    try:
        return float(text)
    except ValueError:
        return go_duration(text)
