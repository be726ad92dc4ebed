"""``tagpilot events [--for KIND[/NAME]] [-n NS | -A] [--types Normal,Warning] [-w]``, like
``flux events``: recorded events oldest first, repeats folded into ``(x<count> over <age>)``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from tagpilot.cli.common import EXIT_OK, CliError, guarded, namespace_of, open_app, print_table

FLUX_KINDS = (
    "ImageRepository",
    "ImagePolicy",
    "ImageUpdateAutomation",
    "GitRepository",
    "OCIRepository",
    "Receiver",
    "Alert",
    "Provider",
    "Bucket",
    "HelmRepository",
    "HelmChart",
    "HelmRelease",
    "Kustomization",
)
TYPES = ("Normal", "Warning")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "events",
        help="show the events of tagpilot's objects",
        description="Example: tagpilot events --for ImagePolicy/app --types Warning",
    )
    p.add_argument("-n", "--namespace", default=None)
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("--for", dest="for_", metavar="KIND[/NAME]", default=None)
    p.add_argument("--types", default="", help="comma-separated: Normal, Warning")
    p.add_argument("-w", "--watch", action="store_true", help="keep printing new events")
    p.add_argument("--timeout", default="5m", help="how long --watch runs (Go duration)")
    p.set_defaults(func=run)


def human_duration(seconds: float) -> str:
    """Kubernetes' ``duration.HumanDuration`` (the short ages ``kubectl`` prints)."""
    if seconds < -1:
        return "<invalid>"
    s = max(int(seconds), 0)
    minutes, hours = s // 60, s // 3600
    if s < 120:
        return f"{s}s"
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24 - 365 * (hours // 24 // 365)
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def parse_for(text: str | None) -> tuple[str, str | None] | None:
    if text is None:
        return None
    kind, _, name = text.partition("/")
    if not kind:
        raise CliError("--for selector must be of format <kind>[/<name>]")
    for known in FLUX_KINDS:
        if known.lower() == kind.lower():
            return known, name or None
    raise CliError(f"'{kind}' is not a recognized Flux kind")


def parse_types(text: str) -> set[str]:
    out: set[str] = set()
    for item in filter(None, (t.strip() for t in text.split(","))):
        match = next((t for t in TYPES if t.lower() == item.lower()), None)
        if match is None:
            raise CliError(f"type '{item}' not supported. Supported types are Normal, Warning")
        out.add(match)
    return out


def _related(app: Any, kind: str, namespace: str, name: str) -> list[tuple[str, str, str]]:
    """The object plus the one it references (flux: ImagePolicy -> repository, Alert ->
    Provider, ImageUpdateAutomation -> its source)."""
    out = [(kind, namespace, name)]
    obj = app.objects.get(kind, namespace, name)
    if obj is None:
        return out
    if kind == "ImagePolicy":
        ref = obj.spec.get("imageRepositoryRef") or {}
        out.append(("ImageRepository", ref.get("namespace") or namespace, ref.get("name", "")))
    elif kind == "Alert":
        out.append(("Provider", namespace, (obj.spec.get("providerRef") or {}).get("name", "")))
    elif kind == "ImageUpdateAutomation":
        ref = obj.spec.get("sourceRef") or {}
        out.append(
            (
                ref.get("kind", "GitRepository"),
                ref.get("namespace") or namespace,
                ref.get("name", ""),
            )
        )
    return out


def collect(app: Any, args: argparse.Namespace) -> tuple[list[Any], bool]:
    """The events to show and whether to print the NAMESPACE column."""
    selector = parse_for(args.for_)
    types = parse_types(args.types)
    namespace = None if args.all_namespaces else namespace_of(args)
    store = app.events.store
    show_ns = args.all_namespaces
    if selector is not None and selector[1] is not None:
        events = []
        for kind, ns, name in _related(app, selector[0], namespace or "flux-system", selector[1]):
            if namespace is not None and ns != namespace:
                show_ns = True
            events += store.list(ns, kind=kind, name=name)
        events.sort(key=lambda e: (e.last_seen, e.sk))
    else:
        events = store.list(namespace, kind=selector[0] if selector else None)
    events = [e for e in events if e.kind in FLUX_KINDS and (not types or e.type in types)]
    return events, show_ns


def _row(event: Any, now: float, show_ns: bool) -> list[str]:
    age = human_duration(now - event.last_seen)
    if event.count > 1:
        age += f" (x{event.count} over {human_duration(now - event.first_seen)})"
    row = [age, event.type, event.reason, f"{event.kind}/{event.name}", event.message]
    return [event.namespace, *row] if show_ns else row


HEADERS = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]


@guarded
def run(args: argparse.Namespace) -> int:
    from tagpilot.golang.duration import DurationError, parse_duration

    app = open_app()
    if app.events is None:
        raise CliError("this deployment records no events")
    events, show_ns = collect(app, args)
    headers = ["NAMESPACE", *HEADERS] if show_ns else HEADERS
    if not args.watch:
        if not events:
            where = "" if args.all_namespaces else f" in {namespace_of(args)} namespace"
            print(f"✗ No events found{where}.", file=sys.stderr)
            return EXIT_OK
        now = time.time()
        print_table(headers, [_row(e, now, show_ns) for e in events])
        return EXIT_OK
    try:
        timeout = parse_duration(args.timeout)
    except DurationError as exc:
        raise CliError(f"--timeout: {exc}") from None
    seen: dict[str, int] = {}
    print("\t".join(headers))
    deadline = time.monotonic() + timeout
    while True:
        now = time.time()
        for event in events:
            if seen.get(event.sk) != event.count:
                seen[event.sk] = event.count
                print("\t".join(_row(event, now, show_ns)), flush=True)
        if time.monotonic() >= deadline:
            return EXIT_OK
        time.sleep(min(2.0, max(deadline - time.monotonic(), 0)))
        events, _ = collect(app, args)
