"""Where Flux v1 found the images of a workload (fluxcd/flux ``pkg/cluster/kubernetes/resource``).

Deployments, DaemonSets, StatefulSets: the pod template's containers and initContainers; CronJobs:
the job template's; ``*List`` kinds: each item; HelmReleases (``helm.fluxcd.io`` and
``flux.weave.works``): the shapes ``FindHelmReleaseContainers`` detects in ``spec.values`` (at
the top level as container ``chart-image``, and under each top-level key ``K`` as container
``K``), or the paths the ``repository.fluxcd.io/<alias>`` annotations name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

POD_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
#: Helm Operator's HelmReleases, and Flux v2's for users who converted them first.
HELM_GROUPS = ("helm.fluxcd.io/", "flux.weave.works/", "helm.toolkit.fluxcd.io/")


@dataclass(frozen=True)
class ImageField:
    """One field v1 updated: the container name, the image it holds, and the node to mark.

    ``suffix`` is the marker's setter suffix: ``""`` for a full reference, ``":tag"`` for a
    tag-only field. ``problem`` is set when v2 cannot write this field.
    """

    container: str
    repository: str
    tag: str
    node: ScalarNode | None
    suffix: str = ""
    problem: str = ""


def field(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def path(node: Node | None, *keys: str) -> Node | None:
    for key in keys:
        node = field(node, key)
    return node


def text(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def split_image(ref: str) -> tuple[str, str]:
    """``repo/img:tag`` -> ``("repo/img", "tag")`` (a ``:`` after the last ``/`` is the tag)."""
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :]
    return ref, ""


def _containers(spec: Node | None) -> Iterator[ImageField]:
    for key in ("initContainers", "containers"):
        items = field(spec, key)
        for item in items.value if isinstance(items, SequenceNode) else []:
            name, image = text(field(item, "name")), field(item, "image")
            if name and isinstance(image, ScalarNode):
                repo, tag = split_image(str(image.value))
                yield ImageField(name, repo, tag, image)


def pod_images(doc: MappingNode, kind: str) -> Iterator[ImageField]:
    if kind in POD_KINDS:
        yield from _containers(path(doc, "spec", "template", "spec"))
    elif kind == "CronJob":
        yield from _containers(path(doc, "spec", "jobTemplate", "spec", "template", "spec"))


def _helm_shape(name: str, values: Node) -> ImageField | None:
    """One of FindHelmReleaseContainers' shapes at ``values`` (a mapping), as container ``name``."""
    image = field(values, "image")
    registry = text(field(values, "registry"))
    tag_node = field(values, "tag")
    if isinstance(image, ScalarNode):
        repo, tag = split_image(str(image.value))
        if tag and registry:
            return ImageField(
                name,
                f"{registry}/{repo}",
                tag,
                None,
                problem="registry and image:tag are separate values; a v2 marker cannot write "
                "just the image:tag part",
            )
        if tag:
            return ImageField(name, repo, tag, image)
        if isinstance(tag_node, ScalarNode):
            full = f"{registry}/{repo}" if registry else repo
            return ImageField(name, full, str(tag_node.value), tag_node, ":tag")
        return None
    if isinstance(image, MappingNode):
        repo_node = field(image, "repository")
        inner_registry = text(field(image, "registry"))
        inner_tag = field(image, "tag")
        if not isinstance(repo_node, ScalarNode):
            return None
        repo, tag = split_image(str(repo_node.value))
        if isinstance(inner_tag, ScalarNode):
            full = f"{inner_registry}/{repo}" if inner_registry else repo
            return ImageField(name, full, str(inner_tag.value), inner_tag, ":tag")
        if tag:
            return ImageField(name, repo, tag, repo_node)
    return None


def helm_images(doc: MappingNode, helm_paths: dict[str, dict[str, str]]) -> Iterator[ImageField]:
    values = path(doc, "spec", "values")
    if not isinstance(values, MappingNode):
        return
    if helm_paths:
        for alias, paths in sorted(helm_paths.items()):
            repo_node = path(values, *paths.get("repository", "").split("."))
            if not isinstance(repo_node, ScalarNode):
                continue
            registry = (
                text(path(values, *paths["registry"].split("."))) if "registry" in paths else None
            )
            tag_node = path(values, *paths["tag"].split(".")) if "tag" in paths else None
            repo, tag = split_image(str(repo_node.value))
            full = f"{registry}/{repo}" if registry else repo
            if isinstance(tag_node, ScalarNode):
                yield ImageField(alias, full, str(tag_node.value), tag_node, ":tag")
            else:
                yield ImageField(alias, full, tag, repo_node)
        return
    top = _helm_shape("chart-image", values)
    if top is not None:
        yield top
    for key, sub in values.value:
        if isinstance(key, ScalarNode) and isinstance(sub, MappingNode):
            found = _helm_shape(str(key.value), sub)
            if found is not None:
                yield found


def is_helm_release(api_version: str, kind: str) -> bool:
    return kind == "HelmRelease" and api_version.startswith(HELM_GROUPS)
