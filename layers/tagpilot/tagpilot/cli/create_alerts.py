"""``create alert`` and ``create alert-provider``: flux's flags, checks and manifests.

flux2 ``cmd/flux/create_alert.go`` and ``create_alertprovider.go``: both build
``notification.toolkit.fluxcd.io/v1beta3`` objects. The CLI checks only what flux's CLI checks
(the provider type and the event severity are left to ``apply``'s schema, as flux leaves them
to the API server). Standard library only at import time (``tagpilot --help`` loads it).
"""

from __future__ import annotations

import argparse
from typing import Any

from tagpilot.cli.common import CliError
from tagpilot.cli.create_specs import check_name, labels_of

NOTIFICATION_V1BETA3 = "notification.toolkit.fluxcd.io/v1beta3"


def alert_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provider-ref", help="reference to provider")
    p.add_argument("--event-severity", help="severity of events to send alerts for")
    p.add_argument(
        "--event-source",
        action="append",
        metavar="KIND/NAME[.NAMESPACE]",
        help="sources that should generate alerts (<kind>/<name>), also accepts comma-separated "
        "values; NAME may be '*'",
    )


def provider_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", help="type of provider")
    p.add_argument("--channel", help="channel to send messages to in the case of a chat provider")
    p.add_argument("--username", help="bot username used by the provider")
    p.add_argument("--address", help="path to either the git repository, chat provider or webhook")
    p.add_argument("--secret-ref", help="name of secret containing authentication token")


def parse_event_source(raw: str) -> dict[str, str]:
    """flux's ``ParseObjectKindNameNamespace``: ``Kind/name[.namespace]``.

    Exactly one ``/`` separates kind and name (otherwise there is no kind: an error); the text
    after the name's last ``.`` is the namespace. ``Kind/*`` matches every object of the kind.
    """
    parts = raw.split("/")
    if len(parts) != 2 or not parts[0]:
        raise CliError(f"invalid event source '{raw}', must be in format <kind>/<name>")
    kind, name = parts
    ref = {"kind": kind, "name": name}
    if "." in name:
        ref["name"], _, ref["namespace"] = name.rpartition(".")
    return ref


def _meta(name: str, ns: str, labels: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    return meta


def alert(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    """The Alert ``flux create alert`` builds (``eventSeverity`` omitted when not given)."""
    name = check_name(args.name)
    if not args.provider_ref:
        raise CliError("provider ref is required")
    sources = [
        parse_event_source(item)
        for raw in args.event_source or []
        for item in raw.split(",")
        if item
    ]
    if not sources:
        raise CliError("at least one event source is required")
    spec: dict[str, Any] = {"eventSources": sources, "providerRef": {"name": args.provider_ref}}
    if args.event_severity:
        spec["eventSeverity"] = args.event_severity
    return {
        "apiVersion": NOTIFICATION_V1BETA3,
        "kind": "Alert",
        "metadata": _meta(name, ns, labels_of(args)),
        "spec": spec,
    }


def alert_provider(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    """The Provider ``flux create alert-provider`` builds (empty fields omitted)."""
    name = check_name(args.name)
    if not args.type:
        raise CliError("Provider type is required")
    spec: dict[str, Any] = {"type": args.type}
    for key in ("channel", "username", "address"):
        if getattr(args, key):
            spec[key] = getattr(args, key)
    if args.secret_ref:
        spec["secretRef"] = {"name": args.secret_ref}
    return {
        "apiVersion": NOTIFICATION_V1BETA3,
        "kind": "Provider",
        "metadata": _meta(name, ns, labels_of(args)),
        "spec": spec,
    }
