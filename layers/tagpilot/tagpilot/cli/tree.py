"""``tagpilot tree image update NAME``: an automation, its Git source, and the policies it
writes (every ImagePolicy of its namespace) with their ImageRepositories, drawn as flux draws
``flux tree kustomization``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tagpilot.cli.common import EXIT_FAILED, EXIT_OK, guarded, namespace_of, open_app
from tagpilot.cli.kinds import IMAGE_UPDATE, CliKind
from tagpilot.cli.output import failure
from tagpilot.cli.verbs import add_kind_tree


def _leaf(p: argparse.ArgumentParser, _kind: CliKind) -> None:
    p.add_argument("name", nargs="?", metavar="NAME")
    p.set_defaults(func=run)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "tree", help="show what an automation uses", description="tagpilot tree image update NAME"
    )
    add_kind_tree(p, [IMAGE_UPDATE], _leaf)


Node = tuple[str, list[Any]]


def render(node: Node) -> str:
    """``Kind/ns/name`` root, children with ``├── ``/``└── `` and ``│   ``/``    `` prefixes."""
    lines = [node[0]]

    def walk(children: list[Node], prefix: str) -> None:
        for i, (label, kids) in enumerate(children):
            last = i == len(children) - 1
            lines.append(prefix + ("└── " if last else "├── ") + label)
            walk(kids, prefix + ("    " if last else "│   "))

    walk(node[1], "")
    return "\n".join(lines) + "\n"


def automation_tree(app: Any, namespace: str, name: str) -> Node | None:
    auto = app.objects.get("ImageUpdateAutomation", namespace, name)
    if auto is None:
        return None
    children: list[Node] = []
    ref = auto.spec.get("sourceRef") or {}
    if ref.get("name"):
        src_ns = ref.get("namespace") or namespace
        mark = "" if app.objects.get("GitRepository", src_ns, ref["name"]) else " (not found)"
        children.append((f"{ref.get('kind', 'GitRepository')}/{src_ns}/{ref['name']}{mark}", []))
    for policy in sorted(app.objects.list("ImagePolicy", namespace), key=lambda o: o.name):
        repo = policy.spec.get("imageRepositoryRef") or {}
        repo_ns = repo.get("namespace") or namespace
        found = app.objects.get("ImageRepository", repo_ns, repo.get("name", ""))
        mark = "" if found else " (not found)"
        repo_node: Node = (f"ImageRepository/{repo_ns}/{repo.get('name', '')}{mark}", [])
        children.append((f"ImagePolicy/{namespace}/{policy.name}", [repo_node]))
    return (f"ImageUpdateAutomation/{namespace}/{name}", children)


@guarded
def run(args: argparse.Namespace) -> int:
    if not args.name:
        failure("name is required")
        return EXIT_FAILED
    app = open_app()
    ns = namespace_of(args)
    node = automation_tree(app, ns, args.name)
    if node is None:
        failure(f'imageupdateautomations.image.toolkit.fluxcd.io "{args.name}" not found')
        return EXIT_FAILED
    sys.stdout.write(render(node))
    return EXIT_OK
