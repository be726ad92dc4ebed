"""Allowed change windows of an ImageUpdateAutomation (``tagpilot.dev/change-windows``).

The annotation holds one or more cron expressions separated by ``;`` (five fields, Debian cron
syntax via ``cronsim``); every minute an expression matches is a minute in which the automation may
push. ``tagpilot.dev/change-windows-timezone`` names the IANA zone they are read in (UTC by
default). Outside every window the run is deferred to the next allowed minute and the status says
so with a ``tagpilot.dev/Waiting`` condition (reason ``OutsideChangeWindow``).

Example: weekdays 09:00-16:59 Berlin time::

    tagpilot.dev/change-windows: "* 9-16 * * 1-5"
    tagpilot.dev/change-windows-timezone: Europe/Berlin
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from tagpilot.api import conditions
from tagpilot.api.extensions import CHANGE_WINDOWS, CHANGE_WINDOWS_TZ, PREFIX, ExtensionError
from tagpilot.api.resource import Resource
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome

WAITING = PREFIX + "Waiting"
OUTSIDE_WINDOW = "OutsideChangeWindow"
INVALID = "InvalidChangeWindow"


def _zone(annotations: Mapping[str, str]) -> ZoneInfo:
    name = annotations.get(CHANGE_WINDOWS_TZ, "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExtensionError(CHANGE_WINDOWS_TZ, f"unknown time zone {name!r}") from None


def _expressions(annotations: Mapping[str, str]) -> list[str]:
    text = annotations.get(CHANGE_WINDOWS)
    if text is None:
        return []
    exprs = [part.strip() for part in text.split(";") if part.strip()]
    if not exprs:
        raise ExtensionError(CHANGE_WINDOWS, "no cron expression")
    return exprs


def next_opening(annotations: Mapping[str, str], now: float) -> float | None:
    """``None`` when pushing is allowed at ``now``, else the epoch second the next window opens.

    Raises
    ------
    ExtensionError
        An invalid cron expression or time zone (the automation stalls until fixed).

    Examples
    --------
    >>> ann = {CHANGE_WINDOWS: "* 9-16 * * 1-5"}
    >>> next_opening(ann, datetime(2026, 12, 1, 10, 30, tzinfo=UTC).timestamp()) is None
    True
    >>> datetime.fromtimestamp(next_opening(ann, 1764583200.0), UTC).isoformat()
    '2026-12-01T09:00:00+00:00'
    """
    exprs = _expressions(annotations)
    if not exprs:
        return None
    zone = _zone(annotations)
    minute = datetime.fromtimestamp(now, zone).replace(second=0, microsecond=0)
    just_before = minute - timedelta(seconds=1)
    openings = []
    for expr in exprs:
        try:
            upcoming = next(CronSim(expr, just_before))
        except CronSimError as exc:
            message = f"invalid cron expression {expr!r}: {exc}"
            raise ExtensionError(CHANGE_WINDOWS, message) from None
        except StopIteration:
            continue
        if upcoming == minute:
            return None
        openings.append(upcoming.timestamp())
    if not openings:
        raise ExtensionError(CHANGE_WINDOWS, "no expression ever matches")
    return min(openings)


def mark_waiting(status: dict[str, Any], until: float, generation: int) -> str:
    """Record the deferral in the status; returns the message."""
    moment = conditions.now_rfc3339(datetime.fromtimestamp(until, UTC))
    message = f"outside the allowed change windows: next push possible at {moment}"
    conditions.set_condition(
        status, WAITING, "True", OUTSIDE_WINDOW, message, generation=generation
    )
    return message


def clear_waiting(status: dict[str, Any]) -> None:
    if conditions.get(status, WAITING) is not None:
        conditions.delete(status, WAITING)


def defer(app: App, automation: Resource, status: dict[str, Any], out: Outcome) -> Outcome | None:
    """The automation reconciler's hook: an Outcome when the run must wait, else None."""
    try:
        opening = next_opening(automation.annotations, app.clock())
    except ExtensionError as exc:
        conditions.mark_stalled(status, INVALID, str(exc), generation=automation.generation)
        app.objects.write_status(automation, status, next_due_at=None)
        out.ready, out.reason, out.message = "False", INVALID, str(exc)
        return out
    if opening is None:
        clear_waiting(status)
        return None
    out.skipped = mark_waiting(status, opening, automation.generation)
    app.objects.write_status(automation, status, next_due_at=opening)
    return out
