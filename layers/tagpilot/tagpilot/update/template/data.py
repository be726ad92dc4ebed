"""Flux's commit message template data (IAC ``internal/source`` ``TemplateData``), as Go values.

The views below expose Go field and method names to :mod:`tagpilot.golang.template` through its
struct protocol (``__go_fields__``/``__go_methods__``/``__go_str__``). They accept any result
object shaped like :class:`tagpilot.update.result.Result` (``file_changes``, ``changes()``,
``objects()``), whose identifiers and changes have ``api_version``/``kind``/``name``/``namespace``
and ``old_value``/``new_value``/``setter`` attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from tagpilot.golang.template import GoMap


class IdentifierLike(Protocol):
    @property
    def api_version(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def namespace(self) -> str: ...


class ChangeLike(Protocol):
    @property
    def old_value(self) -> str: ...

    @property
    def new_value(self) -> str: ...

    @property
    def setter(self) -> str: ...


class ResultLike(Protocol):
    @property
    def file_changes(self) -> Mapping[str, Mapping[Any, list[Any]]]: ...

    def changes(self) -> list[Any]: ...

    def objects(self) -> Mapping[Any, list[Any]]: ...


@dataclass(frozen=True)
class NamespacedName:
    """``types.NamespacedName``: prints as ``<namespace>/<name>``."""

    __go_fields__: ClassVar[dict[str, str]] = {"Namespace": "namespace", "Name": "name"}
    __go_type__: ClassVar[str] = "types.NamespacedName"

    namespace: str
    name: str

    def __go_str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ObjectIdentifier:
    """``update.ObjectIdentifier`` (kyaml ``ResourceIdentifier``: TypeMeta then NameMeta).

    Map keys of this type sort field by field in declaration order, as Go's ``fmtsort`` does.
    Printing follows Go's ``%v`` of the nested struct: ``{{{apps/v1 Deployment} {app default}}}``.
    """

    __go_fields__: ClassVar[dict[str, str]] = {
        "APIVersion": "api_version",
        "Kind": "kind",
        "Name": "name",
        "Namespace": "namespace",
    }
    __go_type__: ClassVar[str] = "update.ObjectIdentifier"

    api_version: str
    kind: str
    name: str
    namespace: str

    @classmethod
    def of(cls, oid: IdentifierLike) -> ObjectIdentifier:
        """View of an identifier from :mod:`tagpilot.update.result`."""
        return cls(oid.api_version, oid.kind, oid.name, oid.namespace)

    def __go_str__(self) -> str:
        return f"{{{{{{{self.api_version} {self.kind}}} {{{self.name} {self.namespace}}}}}}}"


@dataclass(frozen=True)
class Change:
    """``update.Change``: prints as ``{old new setter}``."""

    __go_fields__: ClassVar[dict[str, str]] = {
        "OldValue": "old_value",
        "NewValue": "new_value",
        "Setter": "setter",
    }
    __go_type__: ClassVar[str] = "update.Change"

    old_value: str
    new_value: str
    setter: str

    @classmethod
    def of(cls, change: ChangeLike) -> Change:
        """View of a change from :mod:`tagpilot.update.result`."""
        return cls(change.old_value, change.new_value, change.setter)


ObjectChanges = dict[ObjectIdentifier, list[Change]]


def _object_changes(objects: Mapping[Any, list[Any]]) -> ObjectChanges:
    return {ObjectIdentifier.of(oid): [Change.of(c) for c in cs] for oid, cs in objects.items()}


@dataclass
class Changed:
    """``.Changed`` (``update.Result``): ``FileChanges``, methods ``Changes`` and ``Objects``."""

    __go_fields__: ClassVar[dict[str, str]] = {"FileChanges": "file_changes"}
    __go_methods__: ClassVar[dict[str, str]] = {"Changes": "changes", "Objects": "objects"}
    __go_type__: ClassVar[str] = "update.Result"

    result: ResultLike
    file_changes: dict[str, ObjectChanges] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.file_changes = {
            file: _object_changes(objects) for file, objects in self.result.file_changes.items()
        }

    def changes(self) -> list[Change]:
        """``Result.Changes()``: distinct changes (order as the result defines it)."""
        return [Change.of(c) for c in self.result.changes()]

    def objects(self) -> ObjectChanges:
        """``Result.Objects()``: changes per object across files."""
        return _object_changes(self.result.objects())


@dataclass
class LegacyChanged(Changed):
    """v1beta2 ``.Changed`` (``update.ResultV2``): also carries the deprecated ``ImageResult``."""

    __go_fields__: ClassVar[dict[str, str]] = {
        "ImageResult": "image_result",
        "FileChanges": "file_changes",
    }

    image_result: Any = None


@dataclass
class TemplateData:
    """The value given to the commit message template (API v1: no ``Updated``)."""

    __go_fields__: ClassVar[dict[str, str]] = {
        "AutomationObject": "automation_object",
        "Changed": "changed",
        "Values": "values",
    }
    __go_type__: ClassVar[str] = "source.TemplateData"

    automation_object: NamespacedName
    changed: Changed
    values: GoMap[str, str]


@dataclass
class LegacyTemplateData(TemplateData):
    """v1beta2 template data: also carries the deprecated ``.Updated``."""

    __go_fields__: ClassVar[dict[str, str]] = {
        "AutomationObject": "automation_object",
        "Updated": "updated",
        "Changed": "changed",
        "Values": "values",
    }

    updated: Any = None
