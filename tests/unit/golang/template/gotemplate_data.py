"""Python stand-ins for the Go data used to record the expected outputs in ``go_cases.py``.

The Go program that produced the table built the same values with these Go types::

    type Item struct { Name string; Tags []string; Count int }
    func (i Item) Upper() string          // strings.ToUpper(i.Name)
    func (i Item) Greet(p string) string  // p + ", " + i.Name
    type Key struct { APIVersion, Kind, Name, Namespace string }
    type NN struct { Namespace, Name string }
    func (n NN) String() string           // n.Namespace + "/" + n.Name
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from tagpilot.golang.template import GoMap


@dataclass
class Item:
    __go_fields__: ClassVar[dict[str, str]] = {"Name": "name", "Tags": "tags", "Count": "count"}
    __go_methods__: ClassVar[dict[str, str]] = {"Upper": "upper", "Greet": "greet"}
    __go_type__: ClassVar[str] = "main.Item"

    name: str
    tags: list[str] = field(default_factory=list)
    count: int = 0

    def upper(self) -> str:
        return self.name.upper()

    def greet(self, p: str) -> str:
        return p + ", " + self.name


@dataclass(frozen=True)
class Key:
    __go_fields__: ClassVar[dict[str, str]] = {
        "APIVersion": "api_version",
        "Kind": "kind",
        "Name": "name",
        "Namespace": "namespace",
    }
    __go_type__: ClassVar[str] = "main.Key"

    api_version: str
    kind: str
    name: str
    namespace: str


@dataclass(frozen=True)
class NN:
    __go_fields__: ClassVar[dict[str, str]] = {"Namespace": "namespace", "Name": "name"}
    __go_type__: ClassVar[str] = "main.NN"

    namespace: str
    name: str

    def __go_str__(self) -> str:
        return f"{self.namespace}/{self.name}"


def make_data() -> dict[str, Any]:
    """The root value of every recorded case (a Go ``map[string]any``)."""
    return {
        "Str": "hello",
        "Empty": "",
        "Int": 42,
        "Neg": -7,
        "Zero": 0,
        "Float": 1.5,
        "Big": 1234567.0,
        "Small": 0.00001,
        "Third": 1.0 / 3.0,
        "Whole": 3.0,
        "True": True,
        "False": False,
        "List": ["b", "a", "c"],
        "EmptyList": [],
        "Ints": [3, 1, 2],
        "Mixed": [1, "a", 2.5, True, None],
        "Map": GoMap({"z": "26", "a": "1", "m": "13"}, zero=""),
        "Values": GoMap({"greeting": "hi"}, zero=""),
        "AnyMap": {"n": None, "s": "x"},
        "IntMap": GoMap({10: "ten", 2: "two", 33: "thirty-three"}, zero=""),
        "Item": Item("app", ["v1", "v2"], 2),
        "Items": [Item("b", [], 1), Item("a", [], 0)],
        "Keys": {
            Key("v1", "ConfigMap", "x", "default"): 3,
            Key("apps/v1", "Deployment", "web", "prod"): 1,
            Key("apps/v1", "Deployment", "api", "prod"): 2,
            Key("apps/v1", "Deployment", "api", "default"): 4,
            Key("", "", "", ""): 5,
        },
        "NN": NN("flux-system", "auto"),
        "Nil": None,
        "Unicode": "héllo wörld",
        "Nested": {"a": {"b": "deep"}},
    }
