"""Receiver (``notification.toolkit.fluxcd.io/v1`` and ``v1beta2``): the one validator of its
manifest, used by ``apply``/``validate`` (through :func:`validate_spec`) and by the webhook (through
:func:`parse_receiver`, on the stored object).

tagpilot accepts what Flux's CRD accepts, minus what it cannot honour: ``generic-oidc``, CEL
``resourceFilter``/``filter`` and resource kinds other than the three image kinds,
GitRepository and OCIRepository are refused with a clear
:class:`~tagpilot.receiver.errors.ReceiverSpecError` instead of being silently ignored. Unknown
fields are refused like ``kubectl apply`` (strict field validation) does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tagpilot.api.validation import DNS1123_LABEL, DNS1123_SUBDOMAIN, Checker
from tagpilot.golang.duration import INTERVAL_PATTERN
from tagpilot.receiver.errors import ReceiverSpecError
from tagpilot.receiver.spec import (
    API_VERSIONS,
    DEFAULT_API_VERSIONS,
    DEFAULT_INTERVAL,
    IMAGE_GROUP,
    IMAGE_VERSIONS,
    KIND_GROUPS,
    Receiver,
    ReceiverSpec,
    ResourceRef,
)

#: Receiver types tagpilot implements (Flux's enum minus ``generic-oidc``).
RECEIVER_TYPES = (
    "generic",
    "generic-hmac",
    "github",
    "gitlab",
    "bitbucket",
    "harbor",
    "dockerhub",
    "quay",
    "gcr",
    "nexus",
    "acr",
    "cdevents",
)
UNSUPPORTED_TYPES = ("generic-oidc",)

#: Flux's ``CrossNamespaceObjectReference.kind`` enum.
FLUX_KINDS = (
    "Bucket",
    "GitRepository",
    "Kustomization",
    "HelmRelease",
    "HelmChart",
    "HelmRepository",
    "ImageRepository",
    "ImagePolicy",
    "ImageUpdateAutomation",
    "OCIRepository",
    "ArtifactGenerator",
    "ExternalArtifact",
)
#: The kinds tagpilot reconciles; each maps to a reconcile request of that object (a
#: GitRepository's request also runs the automations that use it).
SUPPORTED_KINDS = (
    "ImageRepository",
    "ImagePolicy",
    "ImageUpdateAutomation",
    "OCIRepository",
    "GitRepository",
)
_SPEC_FIELDS = {"type", "interval", "events", "resources", "secretRef", "suspend"}
_RESOURCE_FIELDS = {"apiVersion", "kind", "name", "namespace", "matchLabels"}
_CEL_FIELDS = {"resourceFilter", "filter"}
_MAX_NAME = 253


def validate_receiver_spec(
    spec: Mapping[str, Any], *, api_version: str = API_VERSIONS[0]
) -> ReceiverSpec:
    """Validate a Receiver ``spec`` and return it typed.

    Parameters
    ----------
    spec : Mapping
        The ``spec`` mapping of a Receiver manifest.
    api_version : str
        The manifest's ``apiVersion``.

    Returns
    -------
    ReceiverSpec

    Raises
    ------
    ReceiverSpecError
        On the first invalid or unsupported field, with its path (``spec.resources[0].kind``).

    Examples
    --------
    >>> s = validate_receiver_spec({"type": "github", "secretRef": {"name": "t"},
    ...     "resources": [{"kind": "ImageRepository", "name": "app"}]})
    >>> s.type, s.resources[0].name
    ('github', 'app')
    """
    if api_version not in API_VERSIONS:
        raise ReceiverSpecError("apiVersion", f"must be one of {', '.join(API_VERSIONS)}")
    if not isinstance(spec, Mapping):
        raise ReceiverSpecError("spec", "must be a mapping")
    receiver_type = _type(spec.get("type"))
    for key in spec:
        if key in _CEL_FIELDS:
            raise ReceiverSpecError(f"spec.{key}", _CEL_REFUSED)
        if key == "oidcProviders":
            raise ReceiverSpecError(
                "spec.oidcProviders", "generic-oidc is not supported by tagpilot yet"
            )
        if key not in _SPEC_FIELDS:
            raise ReceiverSpecError(f"spec.{key}", "unknown field")
    return ReceiverSpec(
        type=receiver_type,
        secret_name=_secret_name(spec.get("secretRef")),
        resources=_resources(spec.get("resources")),
        events=_events(spec.get("events")),
        interval=_interval(spec.get("interval", DEFAULT_INTERVAL)),
        suspend=_bool(spec.get("suspend", False), "spec.suspend"),
        api_version=api_version,
    )


_CEL_REFUSED = (
    "CEL filters are not supported by tagpilot; remove the field or split the Receiver "
    "(Flux would evaluate it per resource)"
)


def _type(value: object) -> str:
    if value is None:
        raise ReceiverSpecError("spec.type", "required")
    if value in UNSUPPORTED_TYPES:
        raise ReceiverSpecError("spec.type", f"{value} is not supported by tagpilot yet")
    if not isinstance(value, str) or value not in RECEIVER_TYPES:
        raise ReceiverSpecError("spec.type", f"{value!r} is not one of {', '.join(RECEIVER_TYPES)}")
    return value


def _secret_name(value: object) -> str:
    if value is None:
        raise ReceiverSpecError("spec.secretRef", "required")
    if not isinstance(value, Mapping):
        raise ReceiverSpecError("spec.secretRef", "must be a mapping with a name")
    name = value.get("name")
    if not isinstance(name, str) or not name:
        raise ReceiverSpecError("spec.secretRef.name", "required")
    return name


def _events(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ReceiverSpecError("spec.events", "must be a list of strings")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ReceiverSpecError(f"spec.events[{i}]", "must be a string")
    return tuple(value)


def _interval(value: object) -> str:
    if not isinstance(value, str) or not INTERVAL_PATTERN.fullmatch(value):
        raise ReceiverSpecError("spec.interval", "must be a duration like 10m, 1h or 30s")
    return value


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ReceiverSpecError(path, "must be true or false")
    return value


def _resources(value: object) -> tuple[ResourceRef, ...]:
    if value is None:
        raise ReceiverSpecError("spec.resources", "required")
    if not isinstance(value, list):
        raise ReceiverSpecError("spec.resources", "must be a list")
    return tuple(_resource(item, f"spec.resources[{i}]") for i, item in enumerate(value))


def _resource(item: object, path: str) -> ResourceRef:
    if not isinstance(item, Mapping):
        raise ReceiverSpecError(path, "must be a mapping")
    for key in item:
        if key in _CEL_FIELDS:
            raise ReceiverSpecError(f"{path}.{key}", _CEL_REFUSED)
        if key not in _RESOURCE_FIELDS:
            raise ReceiverSpecError(f"{path}.{key}", "unknown field")
    kind = _kind(item.get("kind"), f"{path}.kind")
    name = item.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= _MAX_NAME:
        raise ReceiverSpecError(f"{path}.name", f"required, 1 to {_MAX_NAME} characters or '*'")
    namespace = item.get("namespace")
    if namespace is not None and (
        not isinstance(namespace, str) or not 1 <= len(namespace) <= _MAX_NAME
    ):
        raise ReceiverSpecError(f"{path}.namespace", f"must be 1 to {_MAX_NAME} characters")
    return ResourceRef(
        kind=kind,
        name=name,
        namespace=namespace,
        match_labels=_labels(item.get("matchLabels"), f"{path}.matchLabels"),
        api_version=_api_version(item.get("apiVersion"), kind, f"{path}.apiVersion"),
    )


def _kind(value: object, path: str) -> str:
    if not isinstance(value, str) or value not in FLUX_KINDS:
        raise ReceiverSpecError(path, f"{value!r} is not one of Flux's kinds")
    if value not in SUPPORTED_KINDS:
        raise ReceiverSpecError(
            path,
            f"{value} is a Flux kind tagpilot does not manage; use one of "
            f"{', '.join(SUPPORTED_KINDS)}",
        )
    return value


def _labels(value: object, path: str) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ReceiverSpecError(path, "must be a mapping of strings")
    for key, label in value.items():
        if not isinstance(key, str) or not isinstance(label, str):
            raise ReceiverSpecError(path, "keys and values must be strings")
    return dict(value)


def _api_version(value: object, kind: str, path: str) -> str | None:
    if value is None:
        if kind not in DEFAULT_API_VERSIONS:
            # Flux would answer 500 on every request; refuse the manifest up front instead.
            raise ReceiverSpecError(
                path,
                f"required for kind {kind} (Flux has no default for it); "
                f"set apiVersion: {_group_of(kind)}/v1",
            )
        return None
    want_group, versions = KIND_GROUPS.get(kind, (IMAGE_GROUP, IMAGE_VERSIONS))
    group, _, version = value.partition("/") if isinstance(value, str) else ("", "", "")
    if group != want_group or version not in versions:
        raise ReceiverSpecError(path, f"must be {want_group}/<{'|'.join(versions)}>")
    return f"{group}/{version}"


def _group_of(kind: str) -> str:
    """OCIRepository is a source kind; the others tagpilot manages are image kinds."""
    return "source.toolkit.fluxcd.io" if kind == "OCIRepository" else IMAGE_GROUP


def parse_receiver(manifest: Mapping[str, Any], *, default_namespace: str = "default") -> Receiver:
    """Validate a whole Receiver manifest.

    Parameters
    ----------
    manifest : Mapping
        ``apiVersion``, ``kind: Receiver``, ``metadata`` and ``spec``.
    default_namespace : str
        Namespace used when ``metadata.namespace`` is absent (``kubectl``'s behaviour).

    Returns
    -------
    Receiver

    Raises
    ------
    ReceiverSpecError
        With the path of the first invalid field.
    """
    if manifest.get("kind") != "Receiver":
        raise ReceiverSpecError("kind", "must be Receiver")
    name, namespace = _metadata(manifest.get("metadata"), default_namespace)
    spec = validate_receiver_spec(
        manifest.get("spec") or {}, api_version=str(manifest.get("apiVersion"))
    )
    return Receiver(name=name, namespace=namespace, spec=spec)


def _metadata(value: object, default_namespace: str) -> tuple[str, str]:
    if not isinstance(value, Mapping):
        raise ReceiverSpecError("metadata", "required")
    name = value.get("name")
    if not isinstance(name, str) or len(name) > 253 or not DNS1123_SUBDOMAIN.fullmatch(name):
        raise ReceiverSpecError("metadata.name", "must be a DNS subdomain (RFC 1123)")
    namespace = value.get("namespace", default_namespace)
    if (
        not isinstance(namespace, str)
        or len(namespace) > 63
        or not DNS1123_LABEL.fullmatch(namespace)
    ):
        raise ReceiverSpecError("metadata.namespace", "must be a DNS label (RFC 1123)")
    return name, namespace


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    """The ``apply``/``validate`` entry point: the first error of :func:`validate_receiver_spec`."""
    if spec is None:
        # Flux's CRD admits a Receiver without spec; like Flux, it then never becomes Ready
        # (its token Secret cannot be found) and no webhook path routes to it.
        return
    if not isinstance(spec, dict):
        check.fail(path, "must be an object")
        return
    try:
        validate_receiver_spec(spec)
    except ReceiverSpecError as exc:
        check.fail(exc.field if exc.field.startswith("spec") else path, exc.message)
