"""Resource selection: which objects a validated request reconciles (reference §4.1).

Per ``spec.resources`` entry, as Flux's ``requestReconciliation``:

* namespace = the entry's, else the Receiver's. Cross-namespace entries are allowed by default
  (Flux's default; ``--no-cross-namespace-refs`` maps to ``allow_cross_namespace=False``);
* the apiVersion defaults only for ImageRepository; other kinds without one fail the entry;
* a named entry must exist (``matchLabels`` is then ignored);
* ``name: '*'`` requires ``matchLabels``: absent (``None``) fails the entry, ``{}`` selects every
  object of the kind in the namespace, otherwise every pair must match (AND). No match is not an
  error.

A failing entry does not stop the others; the caller answers 500 if any entry failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from tagpilot.receiver.errors import (
    ApiVersionRequiredError,
    CrossNamespaceError,
    LookupFailedError,
    MatchLabelsRequiredError,
    ResourceNotFoundError,
    SelectionError,
)
from tagpilot.receiver.spec import DEFAULT_API_VERSIONS, ResourceRef

_T = TypeVar("_T")


class LabelledObject(Protocol):
    """An object as the store lists it: its name and labels."""

    @property
    def name(self) -> str:
        """``metadata.name``."""
        ...

    @property
    def labels(self) -> Mapping[str, str]:
        """``metadata.labels``."""
        ...


class ObjectLookup(Protocol):
    """Read access to the objects a Receiver may reconcile."""

    def get(self, kind: str, namespace: str, name: str) -> LabelledObject | None:
        """Return the object, or ``None`` when it does not exist."""
        ...

    def list(self, kind: str, namespace: str) -> Iterable[LabelledObject]:
        """Return every object of ``kind`` in ``namespace``."""
        ...


@dataclass(frozen=True, order=True)
class ObjectRef:
    """One object to reconcile."""

    kind: str
    namespace: str
    name: str


@dataclass(frozen=True)
class Selection:
    """The objects to reconcile, in spec order without duplicates, and the failed entries."""

    targets: tuple[ObjectRef, ...]
    errors: tuple[SelectionError, ...]


def select_resources(
    receiver_namespace: str,
    resources: Sequence[ResourceRef],
    lookup: ObjectLookup,
    *,
    allow_cross_namespace: bool = True,
) -> Selection:
    """Resolve ``spec.resources`` to objects.

    Parameters
    ----------
    receiver_namespace : str
        The Receiver's namespace (default for entries without one).
    resources : Sequence[ResourceRef]
        ``spec.resources``.
    lookup : ObjectLookup
        Store access; an exception from it fails only that entry.
    allow_cross_namespace : bool
        ``False`` mirrors Flux's ``--no-cross-namespace-refs``.

    Returns
    -------
    Selection

    Examples
    --------
    >>> class Empty:
    ...     def get(self, kind, namespace, name): return None
    ...     def list(self, kind, namespace): return []
    >>> every = ResourceRef("ImageRepository", "*", match_labels={})
    >>> s = select_resources("apps", [every], Empty())
    >>> s.targets, s.errors
    ((), ())
    """
    targets: dict[ObjectRef, None] = {}
    errors: list[SelectionError] = []
    for index, entry in enumerate(resources):
        try:
            for ref in _select_entry(
                index, entry, receiver_namespace, lookup, allow_cross_namespace
            ):
                targets.setdefault(ref, None)
        except SelectionError as exc:
            errors.append(exc)
    return Selection(targets=tuple(targets), errors=tuple(errors))


def _select_entry(
    index: int,
    entry: ResourceRef,
    receiver_namespace: str,
    lookup: ObjectLookup,
    allow_cross_namespace: bool,
) -> list[ObjectRef]:
    namespace = entry.namespace or receiver_namespace
    if not allow_cross_namespace and namespace != receiver_namespace:
        raise CrossNamespaceError(index, "cross-namespace references are not allowed")
    if entry.api_version is None and entry.kind not in DEFAULT_API_VERSIONS:
        raise ApiVersionRequiredError(index, f"apiVersion must be specified for kind {entry.kind}")
    if entry.name != "*":
        found = _call(index, lambda: lookup.get(entry.kind, namespace, entry.name))
        if found is None:
            raise ResourceNotFoundError(index, f"{entry.kind} {namespace}/{entry.name} not found")
        return [ObjectRef(entry.kind, namespace, entry.name)]
    if entry.match_labels is None:
        raise MatchLabelsRequiredError(
            index, "matchLabels field not set when using wildcard '*' as name"
        )
    wanted = entry.match_labels.items()
    objects = _call(index, lambda: list(lookup.list(entry.kind, namespace)))
    return [
        ObjectRef(entry.kind, namespace, obj.name)
        for obj in objects
        if all(obj.labels.get(key) == value for key, value in wanted)
    ]


def _call(index: int, operation: Callable[[], _T]) -> _T:
    try:
        return operation()
    except SelectionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any store failure fails this entry only, like Flux
        raise LookupFailedError(index, f"lookup failed: {type(exc).__name__}") from exc
