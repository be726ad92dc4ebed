"""``tagpilot migrate flux-v1 --path DIR``: the Flux v1 -> v2 image automation guide, automated.

Reads the v1 annotations of the workloads and HelmReleases under DIR, adds setter markers to the
image fields (only those bytes change), writes the v2 objects (ImageRepository and ImagePolicy per
image, one ImageUpdateAutomation, a GitRepository with ``--git-url``) and reports on stderr what
cannot be migrated, with the reason and the guide's advice. ``--dry-run`` prints the diff and the
objects and writes nothing; ``-o yaml`` prints the objects instead of writing them to a file.
"""

from __future__ import annotations

import argparse
import sys

from tagpilot.cli.common import EXIT_OK, CliError, global_flags, guarded, namespace_of


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from tagpilot.cli.timefmt import go_duration_text

    p = subparsers.add_parser(
        "migrate",
        help="migrate Flux v1 image automation annotations to Flux v2 objects and markers",
        description="Example: tagpilot migrate flux-v1 --path ./clusters/prod --dry-run",
    )
    sub = p.add_subparsers(dest="source_kind", metavar="FROM", required=True)
    v1 = sub.add_parser(
        "flux-v1", help="Flux v1 (fluxcd.io/ annotations)", parents=[global_flags()]
    )
    v1.add_argument("--path", required=True, help="directory (or file) of the manifests")
    v1.add_argument("--dry-run", action="store_true", help="print the diff and objects only")
    v1.add_argument("-o", "--output", choices=("yaml",), help="print the objects to stdout")
    v1.add_argument(
        "--objects-file",
        default="image-automation.yaml",
        help="where to write the objects, relative to --path (default image-automation.yaml)",
    )
    v1.add_argument("--automation-name", default="flux-system")
    v1.add_argument("--git-repo-ref", default="flux-system", help="the GitRepository to update")
    v1.add_argument("--git-url", default="", help="also create the GitRepository with this URL")
    v1.add_argument("--checkout-branch", default="main")
    v1.add_argument("--push-branch", default="", help="(default: the checkout branch)")
    v1.add_argument("--author-name", default="fluxcdbot")
    v1.add_argument("--author-email", default="fluxcdbot@users.noreply.github.com")
    v1.add_argument("--interval", type=go_duration_text, default="30m0s")
    v1.add_argument(
        "--update-path", default="./", help="spec.update.path of the automation (default ./)"
    )
    v1.set_defaults(func=run)


def _diff(rel: str, old: bytes, new: bytes) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            old.decode().splitlines(keepends=True),
            new.decode().splitlines(keepends=True),
            f"a/{rel}",
            f"b/{rel}",
        )
    )


@guarded
def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tagpilot.cli.output import action, success, warning
    from tagpilot.cli.yamlout import dump
    from tagpilot.migrate.plan import Options, plan_migration

    root = Path(args.path)
    if not root.exists():
        raise CliError(f"{args.path}: no such file or directory")
    opts = Options(
        namespace=namespace_of(args),
        automation_name=args.automation_name,
        git_repo_ref=args.git_repo_ref,
        git_url=args.git_url,
        checkout_branch=args.checkout_branch,
        push_branch=args.push_branch,
        author_name=args.author_name,
        author_email=args.author_email,
        interval=args.interval,
        update_path=args.update_path,
    )
    action(f"reading Flux v1 annotations under {args.path}")
    plan = plan_migration(root, opts)
    objects = "".join(dump(obj) for obj in plan.objects)
    if args.dry_run:
        for rel, (old, new) in sorted(plan.edits.items()):
            sys.stdout.write(_diff(rel, old, new))
        sys.stdout.write(objects)
    else:
        for rel, (_old, new) in sorted(plan.edits.items()):
            target = root if root.is_file() else root / rel
            target.write_bytes(new)
        if args.output == "yaml":
            sys.stdout.write(objects)
        elif plan.objects:
            out = (root.parent if root.is_file() else root) / args.objects_file
            out.write_text(objects, encoding="utf-8")
            success(f"wrote {len(plan.objects)} objects to {out}")
        markers = f"{plan.markers} marker" + ("" if plan.markers == 1 else "s")
        files = f"{len(plan.edits)} file" + ("" if len(plan.edits) == 1 else "s")
        success(f"added {markers} in {files}")
    for entry in plan.notes:
        warning(entry.line())
    for entry in plan.report:
        warning(f"not migrated: {entry.line()}")
    if not plan.report:
        success("nothing left to migrate by hand")
    return EXIT_OK
