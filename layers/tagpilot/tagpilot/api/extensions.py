"""tagpilot's extensions to the Flux kinds: ``tagpilot.dev/`` annotations, parsed and validated.

Flux's CRDs reject unknown ``spec`` fields, so every extension is an annotation under the one
prefix ``tagpilot.dev/``: a manifest that uses them is still a valid Flux manifest (Flux ignores
the annotations), and a manifest without them means exactly what it means in Flux, except for
never-downgrade (see :data:`ALLOW_DOWNGRADE`). What an extension reports goes into conditions
whose type carries the same prefix (``tagpilot.dev/Waiting``...), next to Flux's own.

ImageRepository
    ``push-times``: ``auto``|``ecr``|``dockerhub``|``config``: record when each tag was pushed.
    ``registry-budget``: ``<requests>/<duration>`` (``100/6h``): the request budget of the host.
ImagePolicy
    ``order``: ``newest-pushed``: among the tags the policy accepts, pick the last pushed.
    ``soak``: a duration: a tag may become ``latestRef`` only this long after it was pushed.
    ``allow-downgrade``: ``"true"`` turns never-downgrade off.
    ``verify-secret`` (cosign public keys) or ``verify-identities`` (keyless: a JSON array of
    ``matchOIDCIdentity`` entries), ``platforms``: accept only signed images / images built for
    the platforms.
ImageUpdateAutomation
    ``change-windows``: cron expressions (``;``-separated) of the minutes pushes are allowed in;
    ``change-windows-timezone``: their IANA time zone (default UTC).
    ``pull-request`` (the forge) and ``pull-request-*``: push to a branch and open or update one
    pull request instead (:mod:`tagpilot.reconcile.pullrequest`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from tagpilot.errors import TagpilotError
from tagpilot.golang.duration import DurationError, parse_duration

PREFIX = "tagpilot.dev/"
PUSH_TIMES = PREFIX + "push-times"
REGISTRY_BUDGET = PREFIX + "registry-budget"
ORDER = PREFIX + "order"
SOAK = PREFIX + "soak"
#: Never-downgrade is on unless this is ``"true"``: the one extension a plain Flux manifest gets.
ALLOW_DOWNGRADE = PREFIX + "allow-downgrade"
CHANGE_WINDOWS = PREFIX + "change-windows"
CHANGE_WINDOWS_TZ = PREFIX + "change-windows-timezone"
PULL_REQUEST = PREFIX + "pull-request"  # the forge: github, gitlab, gitea, forgejo, bitbucket
PULL_REQUEST_API = PREFIX + "pull-request-api"
PULL_REQUEST_REPOSITORY = PREFIX + "pull-request-repository"
PULL_REQUEST_SECRET = PREFIX + "pull-request-secret"  # a Secret with a ``token`` entry
PULL_REQUEST_BRANCH = PREFIX + "pull-request-branch"
PULL_REQUEST_TITLE = PREFIX + "pull-request-title"
PULL_REQUEST_BODY = PREFIX + "pull-request-body"
PULL_REQUEST_LABELS = PREFIX + "pull-request-labels"
PULL_REQUEST_REVIEWERS = PREFIX + "pull-request-reviewers"
PULL_REQUEST_AUTO_MERGE = PREFIX + "pull-request-auto-merge"

VERIFY_SECRET = PREFIX + "verify-secret"
VERIFY_IDENTITIES = PREFIX + "verify-identities"

PUSH_TIME_SOURCES = ("auto", "ecr", "dockerhub", "config")
NEWEST_PUSHED = "newest-pushed"
_BUDGET = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9a-z.]+)\s*$")


class ExtensionError(TagpilotError):
    """An invalid ``tagpilot.dev/`` annotation; ``str()`` names the annotation."""

    def __init__(self, annotation: str, message: str) -> None:
        super().__init__(f"annotation {annotation}: {message}")
        self.annotation = annotation


@dataclass(frozen=True)
class Budget:
    """``requests`` per ``per_seconds`` (a token bucket refilled at that rate)."""

    requests: int
    per_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.per_seconds


@dataclass(frozen=True)
class PolicyOptions:
    order: str | None = None
    soak_seconds: float = 0.0
    allow_downgrade: bool = False

    @property
    def needs_push_times(self) -> bool:
        return self.order == NEWEST_PUSHED or self.soak_seconds > 0


def _duration(annotations: Mapping[str, str], key: str) -> float:
    text = annotations.get(key)
    if text is None:
        return 0.0
    try:
        return parse_duration(str(text))
    except DurationError as exc:
        raise ExtensionError(key, str(exc)) from None


def _boolean(annotations: Mapping[str, str], key: str) -> bool:
    text = str(annotations.get(key, "false")).strip().lower()
    if text not in ("true", "false"):
        raise ExtensionError(key, f"must be 'true' or 'false', not {text!r}")
    return text == "true"


def policy_options(annotations: Mapping[str, str]) -> PolicyOptions:
    """The ImagePolicy extensions; raises :class:`ExtensionError` on an invalid value."""
    order = annotations.get(ORDER)
    if order is not None and order != NEWEST_PUSHED:
        raise ExtensionError(ORDER, f"must be {NEWEST_PUSHED!r}, not {order!r}")
    return PolicyOptions(
        order=order,
        soak_seconds=_duration(annotations, SOAK),
        allow_downgrade=_boolean(annotations, ALLOW_DOWNGRADE),
    )


def push_time_source(annotations: Mapping[str, str]) -> str | None:
    """The ImageRepository's ``push-times`` source, or None when push times are not recorded."""
    value = annotations.get(PUSH_TIMES)
    if value is None:
        return None
    if value not in PUSH_TIME_SOURCES:
        raise ExtensionError(PUSH_TIMES, f"must be one of {', '.join(PUSH_TIME_SOURCES)}")
    return value


def parse_budget(text: str, annotation: str = REGISTRY_BUDGET) -> Budget:
    """``"100/6h"`` -> ``Budget(100, 21600.0)``."""
    match = _BUDGET.match(str(text))
    if match is None:
        raise ExtensionError(annotation, f"must look like '100/6h', not {text!r}")
    try:
        seconds = parse_duration(match.group(2))
    except DurationError as exc:
        raise ExtensionError(annotation, str(exc)) from None
    requests = int(match.group(1))
    if requests < 1 or seconds <= 0:
        raise ExtensionError(annotation, "needs at least one request per positive duration")
    return Budget(requests, seconds)


def registry_budget(annotations: Mapping[str, str]) -> Budget | None:
    text = annotations.get(REGISTRY_BUDGET)
    return None if text is None else parse_budget(text)


def verify_identities(annotations: Mapping[str, str]) -> list[tuple[str, str]] | None:
    """``verify-identities``: ``[{"issuer": re, "subject": re}, ...]``; ``None`` when absent.

    The entries of an OCIRepository's ``verify.matchOIDCIdentity`` (RE2 regexps, unanchored, both
    fields required, either may be empty); ``[]`` accepts any identity the trust root certified.
    """
    text = annotations.get(VERIFY_IDENTITIES)
    if text is None:
        return None
    if annotations.get(VERIFY_SECRET):
        raise ExtensionError(
            VERIFY_IDENTITIES, f"cannot be combined with {VERIFY_SECRET}: keys or keyless"
        )
    shape = 'must be a JSON array of {"issuer": regexp, "subject": regexp}'
    try:
        doc = json.loads(text)
    except ValueError:
        raise ExtensionError(VERIFY_IDENTITIES, shape) from None
    if not isinstance(doc, list):
        raise ExtensionError(VERIFY_IDENTITIES, shape)
    from tagpilot.golang import regexp

    identities = []
    for i, entry in enumerate(doc):
        if not isinstance(entry, dict) or set(entry) != {"issuer", "subject"}:
            raise ExtensionError(VERIFY_IDENTITIES, f"entry {i}: {shape}")
        for key in ("issuer", "subject"):
            if not isinstance(entry[key], str):
                raise ExtensionError(VERIFY_IDENTITIES, f"entry {i}: {key} must be a string")
            try:
                regexp.compile(entry[key])
            except regexp.RegexpSyntaxError as exc:
                message = f"entry {i}: invalid {key} regular expression: {exc}"
                raise ExtensionError(VERIFY_IDENTITIES, message) from None
        identities.append((entry["issuer"], entry["subject"]))
    return identities


#: The ``tagpilot.dev/`` annotations each kind understands (anything else is refused at apply).
KNOWN: dict[str, tuple[str, ...]] = {
    "ImageRepository": (PUSH_TIMES, REGISTRY_BUDGET),
    "ImagePolicy": (
        ORDER,
        SOAK,
        ALLOW_DOWNGRADE,
        VERIFY_SECRET,
        VERIFY_IDENTITIES,
        PREFIX + "platforms",
    ),
    "ImageUpdateAutomation": (
        CHANGE_WINDOWS,
        CHANGE_WINDOWS_TZ,
        PULL_REQUEST,
        PULL_REQUEST_API,
        PULL_REQUEST_REPOSITORY,
        PULL_REQUEST_SECRET,
        PULL_REQUEST_BRANCH,
        PULL_REQUEST_TITLE,
        PULL_REQUEST_BODY,
        PULL_REQUEST_LABELS,
        PULL_REQUEST_REVIEWERS,
        PULL_REQUEST_AUTO_MERGE,
    ),
}
FORGES = ("github", "gitlab", "gitea", "forgejo", "bitbucket")


def _check_windows(annotations: Mapping[str, str]) -> None:
    zone = annotations.get(CHANGE_WINDOWS_TZ)
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ExtensionError(CHANGE_WINDOWS_TZ, f"unknown time zone {zone!r}") from None
    for expr in (annotations.get(CHANGE_WINDOWS) or "").split(";"):
        if expr.strip():
            try:
                CronSim(expr.strip(), datetime.now(UTC))
            except CronSimError as exc:
                message = f"invalid cron expression {expr.strip()!r}: {exc}"
                raise ExtensionError(CHANGE_WINDOWS, message) from None


def annotation_errors(kind: str, annotations: Mapping[str, str]) -> list[str]:
    """Problems with the ``tagpilot.dev/`` annotations of an object (for ``apply``/``validate``)."""
    errors = []
    known = KNOWN.get(kind, ())
    for key in annotations:
        if key.startswith(PREFIX) and key not in known:
            errors.append(f"annotation {key}: not a tagpilot extension of {kind}")
    checks = {
        "ImageRepository": lambda a: (push_time_source(a), registry_budget(a)),
        "ImagePolicy": lambda a: (policy_options(a), verify_identities(a)),
        "ImageUpdateAutomation": _check_windows,
    }
    try:
        if kind in checks:
            checks[kind](annotations)
        forge = annotations.get(PULL_REQUEST)
        if kind == "ImageUpdateAutomation" and forge is not None and forge not in FORGES:
            raise ExtensionError(PULL_REQUEST, f"must be one of {', '.join(FORGES)}")
        auto = annotations.get(PULL_REQUEST_AUTO_MERGE)
        if kind == "ImageUpdateAutomation" and auto not in (None, "true", "false"):
            raise ExtensionError(PULL_REQUEST_AUTO_MERGE, "must be 'true' or 'false'")
    except ExtensionError as exc:
        errors.append(str(exc))
    return errors
