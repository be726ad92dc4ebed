"""The deprecated v1beta2 ``.Updated`` data (IAC v0.37 ``pkg/update/result.go``).

``.Updated`` is ``{Files: map[file]{Objects: map[ObjectIdentifier][]ImageRef}}`` with the methods
``Images`` (distinct refs) and ``Objects`` (refs per object across files). An ``ImageRef`` is the
policy's *resulting* image, recorded once per changed field whatever the setter suffix, without
old values. It is rebuilt here from the v1 change result: each change's setter
(``<ns>:<policy>[:tag|:name|:digest]``) names the policy whose ``latestRef`` gives the image.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from tagpilot.registry.errors import RegistryError
from tagpilot.registry.names import parse_image_reference
from tagpilot.update.template.data import NamespacedName, ObjectIdentifier, ResultLike

_SUFFIXES = ("tag", "name", "digest")


class LatestRef(Protocol):
    """``status.latestRef`` of a policy: ``name`` (``spec.image`` verbatim) and ``tag``."""

    @property
    def name(self) -> str: ...

    @property
    def tag(self) -> str: ...


@dataclass(frozen=True)
class ImageRef:
    """``update.ImageRef``: prints as ``name:tag`` (its ``String()``)."""

    __go_fields__: ClassVar[dict[str, str]] = {}
    __go_methods__: ClassVar[dict[str, str]] = {
        "String": "__go_str__",
        "Identifier": "identifier",
        "Repository": "repository",
        "Registry": "registry",
        "Name": "full_name",
        "Policy": "policy_name",
    }
    __go_type__: ClassVar[str] = "update.ImageRef"

    image: str
    tag: str
    policy: NamespacedName

    def __go_str__(self) -> str:
        return f"{self.image}:{self.tag}"

    def identifier(self) -> str:
        """The tag, e.g. ``v1.0.1``."""
        return self.tag

    def _parsed(self) -> tuple[str, str]:
        try:
            name = parse_image_reference(self.image)
        except RegistryError:
            # Keep rendering even for a name ggcr would reject: split on the first slash.
            registry, _, repository = self.image.partition("/")
            return registry, repository
        return name.registry, name.repository

    def repository(self) -> str:
        """Repository with implied defaults, e.g. ``library/nginx``."""
        return self._parsed()[1]

    def registry(self) -> str:
        """Registry with implied defaults, e.g. ``index.docker.io``."""
        return self._parsed()[0]

    def full_name(self) -> str:
        """Fully qualified reference, e.g. ``index.docker.io/library/nginx:1.2``."""
        registry, repository = self._parsed()
        return f"{registry}/{repository}:{self.tag}"

    def policy_name(self) -> NamespacedName:
        """The policy that produced the image."""
        return self.policy


ObjectImages = dict[ObjectIdentifier, list[ImageRef]]


@dataclass(frozen=True)
class FileResult:
    """``update.FileResult``: the refs per object of one file."""

    __go_fields__: ClassVar[dict[str, str]] = {"Objects": "objects"}
    __go_type__: ClassVar[str] = "update.FileResult"

    objects: ObjectImages


@dataclass
class Updated:
    """``.Updated`` (``update.Result`` of v1beta1/v1beta2)."""

    __go_fields__: ClassVar[dict[str, str]] = {"Files": "files"}
    __go_methods__: ClassVar[dict[str, str]] = {"Images": "images", "Objects": "objects"}
    __go_type__: ClassVar[str] = "update.Result"

    files: dict[str, FileResult]

    def images(self) -> list[ImageRef]:
        """Every distinct image ref, by file then object (Go's order is random)."""
        out: list[ImageRef] = []
        for _file, result in sorted(self.files.items()):
            for _oid, refs in sorted(result.objects.items(), key=lambda kv: _key(kv[0])):
                out.extend(ref for ref in refs if ref not in out)
        return out

    def objects(self) -> ObjectImages:
        """Refs per object, concatenated across files."""
        merged: ObjectImages = {}
        for _file, result in sorted(self.files.items()):
            for oid, refs in result.objects.items():
                merged.setdefault(oid, []).extend(refs)
        return merged


def _key(oid: ObjectIdentifier) -> tuple[str, str, str, str]:
    return (oid.api_version, oid.kind, oid.name, oid.namespace)


def _policy_of(setter: str) -> tuple[str, str] | None:
    parts = setter.split(":")
    if len(parts) == 3 and parts[2] in _SUFFIXES:
        parts = parts[:2]
    if len(parts) != 2:
        return None
    return parts[0], parts[1]


def build_updated(result: ResultLike, policies: Mapping[str, LatestRef], namespace: str) -> Updated:
    """Rebuild ``.Updated`` from a change result and the policies' latest refs.

    Parameters
    ----------
    result:
        The setters run result (``file_changes[file][object] -> changes``).
    policies:
        ``latestRef`` of each policy in the automation's namespace, keyed by policy name.
    namespace:
        The automation's namespace (setters name ``<namespace>:<policy>``).
    """
    files: dict[str, FileResult] = {}
    for file, objects in result.file_changes.items():
        per_object: ObjectImages = {}
        for oid, changes in objects.items():
            refs: list[ImageRef] = []
            for change in changes:
                owner = _policy_of(change.setter)
                if owner is None or owner[0] != namespace or owner[1] not in policies:
                    continue
                latest = policies[owner[1]]
                refs.append(ImageRef(latest.name, latest.tag, NamespacedName(*owner)))
            if refs:
                per_object[ObjectIdentifier.of(oid)] = refs
        if per_object:
            files[file] = FileResult(per_object)
    return Updated(files)
