"""What a setters run changed, shaped like IAC ``internal/update/result.go``.

Deliberate difference from Flux: Go iterates maps in random order, so Flux's
``Changes()`` and ``Objects()`` are not deterministic when several files or objects change.
Here both are deterministic: files sorted by path, objects sorted by
``(apiVersion, kind, name, namespace)`` (Go's struct-key order in templates), and the
changes of one object in traversal order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True, slots=True)
class ObjectIdentifier:
    """The containing document's identity; empty strings when a field is absent.

    Field order matches the Go struct, so sorting equals Go template map-key order.
    """

    api_version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON shape, with Kubernetes field names."""
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """One replaced scalar value and the setter that replaced it."""

    old_value: str
    new_value: str
    setter: str

    def to_dict(self) -> dict[str, str]:
        """JSON shape, with Flux's Go field names in camel case."""
        return {"oldValue": self.old_value, "newValue": self.new_value, "setter": self.setter}


ObjectChanges = dict[ObjectIdentifier, list[Change]]


@dataclass
class Result:
    """``file_changes[file][object]`` -> changes in traversal order.

    ``file`` is the path relative to ``update.path``, with ``/`` separators.
    """

    file_changes: dict[str, ObjectChanges] = field(default_factory=dict)

    def add_change(self, file: str, obj: ObjectIdentifier, change: Change) -> None:
        """Record ``change`` for ``obj`` in ``file`` (``Result.AddChange``)."""
        self.file_changes.setdefault(file, {}).setdefault(obj, []).append(change)

    def _sorted(self) -> list[tuple[str, ObjectIdentifier, list[Change]]]:
        return [
            (file, obj, objects[obj])
            for file, objects in sorted(self.file_changes.items())
            for obj in sorted(objects)
        ]

    def changes(self) -> list[Change]:
        """All distinct changes: by file, then object, then traversal order."""
        seen: set[Change] = set()
        out: list[Change] = []
        for _file, _obj, changes in self._sorted():
            for change in changes:
                if change not in seen:
                    seen.add(change)
                    out.append(change)
        return out

    def objects(self) -> ObjectChanges:
        """Changes per object, concatenated across files (in file order), objects sorted."""
        merged: ObjectChanges = {}
        for _file, obj, changes in self._sorted():
            merged.setdefault(obj, []).extend(changes)
        return dict(sorted(merged.items()))

    def records(self) -> list[dict[str, Any]]:
        """Flat list for ``tagpilot update -o json``: one entry per recorded change."""
        return [
            {
                "file": file,
                "object": obj.to_dict(),
                "setter": change.setter,
                "old": change.old_value,
                "new": change.new_value,
            }
            for file, obj, changes in self._sorted()
            for change in changes
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (struct keys become lists of ``{object, changes}``)."""
        return {
            "fileChanges": {
                file: [
                    {"object": obj.to_dict(), "changes": [c.to_dict() for c in changes]}
                    for obj, changes in sorted(objects.items())
                ]
                for file, objects in sorted(self.file_changes.items())
            }
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Inverse of :meth:`to_dict`."""
        result = cls()
        for file, entries in data.get("fileChanges", {}).items():
            for entry in entries:
                o = entry["object"]
                obj = ObjectIdentifier(o["apiVersion"], o["kind"], o["name"], o["namespace"])
                for c in entry["changes"]:
                    result.add_change(file, obj, Change(c["oldValue"], c["newValue"], c["setter"]))
        return result
