"""Plan a Flux v1 -> v2 image automation migration of a directory (the guide's procedure).

For each automated workload (``automated: "true"``, not ``locked``, not ``ignore``) and each image
field v1 updated: one ImageRepository per image repository, one ImagePolicy per distinct policy,
and a marker ``# {"$imagepolicy": "<ns>:<policy>[:tag]"}`` appended to the field's line (no other
byte changes). What v2 cannot reproduce is reported with the reason and the guide's advice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode, ScalarNode

from tagpilot.migrate.annotations import V1Policy, read_policy
from tagpilot.migrate.filters import translate
from tagpilot.migrate.workloads import (
    ImageField,
    helm_images,
    is_helm_release,
    path,
    pod_images,
)

IMAGE_V1 = "image.toolkit.fluxcd.io/v1"
SOURCE_V1 = "source.toolkit.fluxcd.io/v1"
MARKER = '# {{"$imagepolicy": "{ref}"}}'
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ReportEntry:
    """Something that was not migrated (``problem``) or migrated with a caveat (``note``)."""

    file: str
    obj: str
    container: str
    problem: str
    advice: str = ""

    def line(self) -> str:
        where = f"{self.file}: {self.obj}" + (
            f" container {self.container}" if self.container else ""
        )
        return f"{where}: {self.problem}" + (f"; advice: {self.advice}" if self.advice else "")


@dataclass
class Options:
    namespace: str = "flux-system"
    automation_name: str = "flux-system"
    git_repo_ref: str = "flux-system"
    git_url: str = ""
    checkout_branch: str = "main"
    push_branch: str = ""
    author_name: str = "fluxcdbot"
    author_email: str = "fluxcdbot@users.noreply.github.com"
    interval: str = "30m0s"
    scan_interval: str = "5m0s"
    update_path: str = "./"


@dataclass
class Plan:
    objects: list[dict[str, Any]] = field(default_factory=list)
    #: relative file -> (original bytes, new bytes)
    edits: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    report: list[ReportEntry] = field(default_factory=list)
    notes: list[ReportEntry] = field(default_factory=list)
    markers: int = 0  # markers added
    marked: int = 0  # fields migrated, including those marked by an earlier run


def _annotations(doc: MappingNode) -> dict[str, str]:
    node = path(doc, "metadata", "annotations")
    out: dict[str, str] = {}
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and isinstance(v, ScalarNode):
                out[str(k.value)] = str(v.value)
    return out


def _dns_name(text: str) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return (name or "image")[:63].strip("-")


class _Builder:
    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.plan = Plan()
        self._repos: dict[str, str] = {}  # image repository -> ImageRepository name
        self._policies: dict[tuple[str, str], str] = {}  # (repo, spec json) -> ImagePolicy name
        self._names: set[str] = set()

    def _unique(self, base: str, taken: set[str]) -> str:
        name, n = base, 2
        while name in taken:
            name = f"{base[:60]}-{n}"
            n += 1
        taken.add(name)
        return name

    def policy_for(self, image: ImageField, spec: dict[str, Any]) -> str:
        ns = self.opts.namespace
        if image.repository not in self._repos:
            taken = set(self._repos.values())
            repo_name = self._unique(_dns_name(image.repository.rsplit("/", 1)[-1]), taken)
            self._repos[image.repository] = repo_name
            self.plan.objects.append(
                {
                    "apiVersion": IMAGE_V1,
                    "kind": "ImageRepository",
                    "metadata": {"name": repo_name, "namespace": ns},
                    "spec": {"image": image.repository, "interval": self.opts.scan_interval},
                }
            )
        repo_name = self._repos[image.repository]
        key = (image.repository, json.dumps(spec, sort_keys=True))
        if key not in self._policies:
            base = repo_name if repo_name not in self._names else f"{repo_name}-{image.container}"
            name = self._unique(_dns_name(base), self._names)
            self._policies[key] = name
            self.plan.objects.append(
                {
                    "apiVersion": IMAGE_V1,
                    "kind": "ImagePolicy",
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"imageRepositoryRef": {"name": repo_name}, **spec},
                }
            )
        return self._policies[key]

    def finish(self) -> Plan:
        o = self.opts
        if self.plan.marked and o.git_url:
            self.plan.objects.append(
                {
                    "apiVersion": SOURCE_V1,
                    "kind": "GitRepository",
                    "metadata": {"name": o.git_repo_ref, "namespace": o.namespace},
                    "spec": {
                        "interval": "1m0s",
                        "ref": {"branch": o.checkout_branch},
                        "url": o.git_url,
                    },
                }
            )
        if self.plan.marked:
            git: dict[str, Any] = {
                "checkout": {"ref": {"branch": o.checkout_branch}},
                "commit": {"author": {"email": o.author_email, "name": o.author_name}},
                "push": {"branch": o.push_branch or o.checkout_branch},
            }
            self.plan.objects.append(
                {
                    "apiVersion": IMAGE_V1,
                    "kind": "ImageUpdateAutomation",
                    "metadata": {"name": o.automation_name, "namespace": o.namespace},
                    "spec": {
                        "git": git,
                        "interval": o.interval,
                        "sourceRef": {"kind": "GitRepository", "name": o.git_repo_ref},
                        "update": {"path": o.update_path, "strategy": "Setters"},
                    },
                }
            )
        return self.plan


def _marker_insertion(text: str, node: ScalarNode, ref: str) -> tuple[int, str] | str:
    """Where and what to insert after the field's value, or why it cannot be marked."""
    end = int(node.end_mark.index)
    line_end = text.find("\n", end)
    rest = text[end : len(text) if line_end < 0 else line_end].rstrip("\r")
    if node.style in ("|", ">"):
        return "the value is a block scalar"
    if rest.strip().startswith(("#",)):
        if '"$imagepolicy"' in rest:
            return ""
        return "the line already holds a comment; put the marker there by hand"
    if rest.strip():
        return "the value is inside a flow collection; put the marker on its own line by hand"
    return end, " " + MARKER.format(ref=ref)


def _workload(
    builder: _Builder,
    rel: str,
    text: str,
    doc: MappingNode,
    oid: Any,
    inserts: list[tuple[int, str]],
) -> None:
    policy: V1Policy = read_policy(_annotations(doc))
    if not policy.is_v1:
        return
    obj = f"{oid.kind}/{oid.namespace or 'default'}/{oid.name}"
    report = builder.plan.report
    if not policy.automated:
        builder.plan.notes.append(ReportEntry(rel, obj, "", "not automated: left alone"))
        return
    if policy.locked:
        who = f" by {policy.locked_user}" if policy.locked_user else ""
        why = f" ({policy.locked_msg})" if policy.locked_msg else ""
        report.append(
            ReportEntry(
                rel,
                obj,
                "",
                f"locked{who}{why}: Flux v2 has no lock",
                "leave the fields without markers until the lock is lifted, or suspend the "
                "ImageUpdateAutomation",
            )
        )
        return
    if policy.ignore:
        report.append(ReportEntry(rel, obj, "", "ignored by Flux v1 (fluxcd.io/ignore)"))
        return
    if is_helm_release(oid.api_version, oid.kind):
        images = list(helm_images(doc, policy.helm_paths))
        if images and not oid.api_version.startswith("helm.toolkit.fluxcd.io/"):
            builder.plan.notes.append(
                ReportEntry(
                    rel,
                    obj,
                    "",
                    f"{oid.api_version} is Helm Operator's: convert it to "
                    "helm.toolkit.fluxcd.io/v2 (Helm Operator migration guide); the markers "
                    "stay in spec.values",
                )
            )
    else:
        images = list(pod_images(doc, oid.kind))
    for image in images:
        if image.problem:
            report.append(ReportEntry(rel, obj, image.container, image.problem))
            continue
        found = translate(policy.filters.get(image.container), image.tag)
        if found.spec is None:
            report.append(ReportEntry(rel, obj, image.container, found.problem, found.advice))
            continue
        if image.node is None:
            continue
        where = _marker_insertion(text, image.node, "")
        if isinstance(where, str) and where:
            report.append(ReportEntry(rel, obj, image.container, where))
            continue
        name = builder.policy_for(image, found.spec)
        builder.plan.marked += 1
        if isinstance(where, tuple):
            ref = f"{builder.opts.namespace}:{name}{image.suffix}"
            inserts.append((where[0], " " + MARKER.format(ref=ref)))
            builder.plan.markers += 1
        if found.note:
            builder.plan.notes.append(ReportEntry(rel, obj, image.container, found.note))


def plan_migration(root: Path, opts: Options | None = None) -> Plan:
    """Read every YAML file under ``root`` and plan the migration; nothing is written.

    Examples
    --------
    >>> plan = plan_migration(Path("clusters/prod"))  # doctest: +SKIP
    >>> [entry.line() for entry in plan.report]  # doctest: +SKIP
    """
    from ruamel.yaml.error import YAMLError

    from tagpilot.update.locate import NotAResourceStream, resources

    builder = _Builder(opts or Options())
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES)
    for file in files:
        if not file.is_file() or ".git" in file.parts:
            continue
        rel = file.name if root.is_file() else file.relative_to(root).as_posix()
        data = file.read_bytes()
        try:
            text = data.decode("utf-8")
            docs = list(resources(text))
        except (UnicodeDecodeError, YAMLError, NotAResourceStream):
            continue
        inserts: list[tuple[int, str]] = []
        for doc, oid in docs:
            _workload(builder, rel, text, doc, oid, inserts)
        if inserts:
            new = text
            for offset, insertion in sorted(inserts, reverse=True):
                new = new[:offset] + insertion + new[offset:]
            builder.plan.edits[rel] = (data, new.encode("utf-8"))
    return builder.finish()
