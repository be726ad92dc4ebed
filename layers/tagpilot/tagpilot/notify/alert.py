"""Alert (``notification.toolkit.fluxcd.io/v1beta3``, v1beta2 read alike): schema and matching.

Matching follows NC ``event_handlers.go``: suspended Alerts match nothing; an event source entry
matches on namespace (defaulted to the Alert's), kind, severity, name (exact or ``*``) and
``matchLabels`` (every pair on the involved object's current labels); then the inclusion list
(one must match, unanchored RE2 search on the message) and the exclusion list (any match drops;
exclusion wins).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tagpilot.api.alert import AlertSpec, EventSource
from tagpilot.golang import regexp as goregexp
from tagpilot.notify.event import EVENT_GROUP, INFO, Event


@dataclass(frozen=True)
class AlertRef:
    """The parts of an Alert matching needs (a stored object, already validated); ``spec`` is
    the stored dict, read once into :class:`~tagpilot.api.alert.AlertSpec` (``typed``)."""

    namespace: str
    name: str
    spec: Mapping[str, Any]
    typed: AlertSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "typed", AlertSpec.from_dict(self.spec))

    @property
    def suspended(self) -> bool:
        return self.typed.suspend

    @property
    def provider_name(self) -> str:
        return self.typed.provider_name

    @property
    def severity(self) -> str:
        return self.typed.event_severity


@dataclass
class MatchProblems:
    """Warnings NC records on the Alert while matching (``InvalidConfig``)."""

    warnings: list[tuple[str, str]] = field(default_factory=list)  # (reason, message)


LabelReader = Callable[[str, str, str], "dict[str, str] | None"]


def source_matches(alert: AlertRef, entry: EventSource, event: Event, labels: LabelReader) -> bool:
    """``eventMatchesAlertSource`` for one ``eventSources`` entry."""
    namespace = entry.namespace or alert.namespace
    if event.namespace != namespace or event.kind != entry.kind:
        return False
    if alert.severity != INFO and event.severity != alert.severity:
        return False
    if entry.name != "*" and entry.name != event.name:
        return False
    wanted = entry.match_labels
    if wanted:
        current = labels(event.kind, event.namespace, event.name)
        if current is None:
            return False
        return all(current.get(k) == v for k, v in wanted.items())
    return True


def _any_match(patterns: list[str], message: str, which: str, problems: MatchProblems) -> bool:
    for expr in patterns:
        try:
            if goregexp.match_string(expr, message):  # the shared RE2 helper (linear time)
                return True
        except (goregexp.RegexpSyntaxError, goregexp.RegexpUnsupportedError):
            problems.warnings.append(("InvalidConfig", f"failed to compile {which} regex: {expr}"))
    return False


def alert_matches(
    alert: AlertRef, event: Event, labels: LabelReader, problems: MatchProblems | None = None
) -> bool:
    """Whether ``event`` goes to ``alert``'s provider (suspend, sources, inclusion, exclusion)."""
    problems = problems if problems is not None else MatchProblems()
    if alert.suspended:
        return False
    spec = alert.typed
    if not any(source_matches(alert, entry, event, labels) for entry in spec.event_sources):
        return False
    inclusion = list(spec.inclusion_list)
    if inclusion and not _any_match(inclusion, event.message, "inclusion", problems):
        return False
    exclusion = list(spec.exclusion_list)
    return not (exclusion and _any_match(exclusion, event.message, "exclusion", problems))


def clean_metadata(event: Event) -> Event:
    """Keep only ``event.toolkit.fluxcd.io/`` and ``<group>/`` keys; drop checksum and digest."""
    group = event.group
    kept: dict[str, str] = {}
    for key, value in event.metadata.items():
        prefix, _, rest = key.partition("/")
        if prefix == EVENT_GROUP or (group and prefix == group):
            if prefix == group and rest.lower() in ("checksum", "digest"):
                continue
            kept[key] = value
    return event.with_metadata(kept)


def combine_metadata(event: Event, alert: AlertRef) -> tuple[Event, dict[str, list[str]]]:
    """``combineEventMetadata``: unprefixed keys, later sources win; returns the conflicts."""
    group = event.group
    sources: list[tuple[str, dict[str, str]]] = [
        ("involved object annotations", _strip(event.metadata, EVENT_GROUP)),
        ("alert object .spec.eventMetadata", dict(alert.typed.event_metadata)),
        (
            "alert object .spec.summary",
            {"summary": alert.typed.summary} if alert.typed.summary else {},
        ),
        ("involved object controller metadata", _strip(event.metadata, group) if group else {}),
    ]
    combined: dict[str, str] = {}
    origins: dict[str, list[str]] = {}
    for source, values in sources:
        for key, value in values.items():
            combined[key] = value
            origins.setdefault(key, []).append(source)
    conflicts = {k: v for k, v in origins.items() if len(v) > 1}
    return (event.with_metadata(combined) if combined else event), conflicts


def _strip(metadata: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) + 1 :]: v for k, v in metadata.items() if k.startswith(prefix + "/")}
