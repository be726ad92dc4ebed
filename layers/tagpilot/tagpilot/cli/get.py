"""``tagpilot get KIND [NAME] [-n NS | -A] [-o table|yaml|json]``, like ``flux get``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tagpilot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    add_kind,
    add_namespace,
    guarded,
    namespace_of,
    open_app,
    print_table,
    resolve_kind,
)

if TYPE_CHECKING:  # the CLI imports only the standard library at start-up
    from tagpilot.reconcile.app import App


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "get",
        help="show objects and their status",
        description="Kinds: image repository|policy|update, source git|oci, "
        "receiver. Example: tagpilot get image repository -A",
    )
    add_kind(p, name_required=False)
    add_namespace(p, all_namespaces=True)
    p.add_argument("-o", "--output", choices=("table", "yaml", "json"), default="table")
    p.set_defaults(func=run)


def _columns(kind: str, obj: Any, app: App) -> list[str]:
    from tagpilot.api.conditions import ready_summary

    ready, message = ready_summary(obj.status)
    suspended = "True" if obj.suspended else "False"
    if kind == "ImageRepository":
        last = (obj.status.get("lastScanResult") or {}).get("scanTime", "")
        return [ready, message, last, suspended]
    if kind == "ImagePolicy":
        ref = obj.status.get("latestRef") or {}
        image = f"{ref.get('name')}:{ref.get('tag')}" if ref else ""
        if ref.get("digest"):
            image += f"@{ref['digest']}"
        return [ready, message, image]
    if kind == "ImageUpdateAutomation":
        return [ready, message, obj.status.get("lastAutomationRunTime", ""), suspended]
    if kind == "OCIRepository":  # flux get sources oci: NAME REVISION SUSPENDED READY MESSAGE
        revision = (obj.status.get("artifact") or {}).get("revision", "")
        return [_short_hex(revision), suspended, ready, _short_hex(message)]
    if kind == "Alert":  # static objects in Flux: always ready
        return [suspended, "True", "Alert is Ready"]
    if kind == "Provider":
        return ["True", "Provider is Ready"]
    if kind == "Receiver":
        from tagpilot.reconcile.receiver import webhook_url

        return [ready, message, webhook_url(app, obj)]
    return [ready, message, suspended]


HEADERS = {
    "ImageRepository": ["READY", "MESSAGE", "LAST SCAN", "SUSPENDED"],
    "ImagePolicy": ["READY", "MESSAGE", "LATEST IMAGE"],
    "ImageUpdateAutomation": ["READY", "MESSAGE", "LAST RUN", "SUSPENDED"],
    "Receiver": ["READY", "MESSAGE", "URL"],
    "Alert": ["SUSPENDED", "READY", "MESSAGE"],
    "Provider": ["READY", "MESSAGE"],
    "OCIRepository": ["REVISION", "SUSPENDED", "READY", "MESSAGE"],
}


def _short_hex(text: str) -> str:
    """flux shortens every 40-128 character lower-hex run to 8 characters in source tables."""
    import re

    return re.sub(r"\b[0-9a-f]{40,128}\b", lambda m: m.group(0)[:8], text)


@guarded
def run(args: argparse.Namespace) -> int:
    kind, name = resolve_kind(args.words, name_required=False)
    app = open_app()
    if kind == "Namespace":
        objs = app.objects.list(kind, "") if name is None else [app.objects.get(kind, "", name)]
    elif name is not None:
        objs = [app.objects.get(kind, namespace_of(args), name)]
    else:
        objs = app.objects.list(kind, None if args.all_namespaces else namespace_of(args))
    objs = [o for o in objs if o is not None]
    if name is not None and not objs:
        print(f"✗ {kind} '{namespace_of(args)}/{name}' not found", file=sys.stderr)
        return EXIT_FAILED
    if args.output == "json":
        data = [o.to_manifest() for o in objs]
        print(
            json.dumps(
                data[0] if name else {"apiVersion": "v1", "kind": "List", "items": data}, indent=2
            )
        )
        return EXIT_OK
    if args.output == "yaml":
        from ruamel.yaml import YAML

        yaml = YAML()
        yaml.default_flow_style = False
        data = [o.to_manifest() for o in objs]
        yaml.dump(
            data[0] if name else {"apiVersion": "v1", "kind": "List", "items": data}, sys.stdout
        )
        return EXIT_OK
    if not objs:
        where = "any namespace" if args.all_namespaces else f"namespace '{namespace_of(args)}'"
        print(f"no {kind} objects found in {where}", file=sys.stderr)
        return EXIT_OK
    headers = ["NAME", *HEADERS.get(kind, ["READY", "MESSAGE", "SUSPENDED"])]
    rows = [[o.name, *_columns(kind, o, app)] for o in objs]
    if args.all_namespaces:
        headers = ["NAMESPACE", *headers]
        rows = [[o.namespace, *r] for o, r in zip(objs, rows, strict=True)]
    print_table(headers, rows)
    return EXIT_OK
