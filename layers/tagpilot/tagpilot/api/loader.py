"""Read Flux manifests from files, directories or stdin and validate every document.

Each document becomes a :class:`LoadedDocument` carrying either a :class:`Resource` or the list
of problems found, each naming the file, the document's position, the field and the problem.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tagpilot.api import kinds
from tagpilot.api.errors import FieldError, ManifestError
from tagpilot.api.extensions import annotation_errors
from tagpilot.api.resource import Resource
from tagpilot.api.secret import validate_secret
from tagpilot.api.validation import DNS1123_LABEL, DNS1123_SUBDOMAIN, Checker, type_name
from tagpilot.limits import (
    MAX_MANIFEST_BYTES,
    MAX_MANIFEST_DEPTH,
    MAX_MANIFEST_NODES,
    MAX_OBJECT_BYTES,
    LimitError,
    check_yaml,
)

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
TOP_LEVEL = {"apiVersion", "kind", "metadata", "spec", "status"}
SECRET_TOP_LEVEL = {"apiVersion", "kind", "metadata", "type", "data", "stringData", "immutable"}


@dataclass
class LoadedDocument:
    """One document of one file, valid (``resource`` set) or not (``errors`` non-empty)."""

    source: str
    index: int
    kind: str = ""
    api_version: str = ""
    name: str = ""
    namespace: str = ""
    resource: Resource | None = None
    secret: dict[str, Any] | None = None
    raw_spec: Any = None
    errors: list[FieldError] = field(default_factory=list)
    #: Why a valid document of a kind tagpilot does not handle was left alone (``None``: handled).
    skipped: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def describe(self) -> str:
        what = f"{self.kind or 'object'} {self.namespace}/{self.name}".rstrip("/")
        return f"{self.source}: document {self.index} ({what})"

    def error_lines(self) -> list[str]:
        return [f"{self.describe()}: {err}" for err in self.errors]


def iter_sources(paths: Iterable[str], stdin: TextIO | None = None) -> Iterator[tuple[str, str]]:
    """Yield ``(name, text)`` for each file; directories are walked for YAML/JSON files."""
    for raw in paths:
        if raw == "-":
            text = (stdin or sys.stdin).read(MAX_MANIFEST_BYTES + 1)
            if len(text.encode("utf-8", "surrogatepass")) > MAX_MANIFEST_BYTES:
                raise ManifestError(f"<stdin>: {_too_large()}")
            yield "<stdin>", text
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES
            )
            for file in files:
                yield str(file), _read(file)
        elif path.is_file():
            yield str(path), _read(path)
        else:
            raise ManifestError(f"{raw}: no such file or directory")


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ManifestError(f"{path}: {_too_large()}")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read: {exc}") from exc


def _too_large() -> str:
    return f"larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MiB (the manifest size limit)"


def parse_documents(name: str, text: str) -> list[Any]:
    """Parse a multi-document YAML stream; a syntax error names the file and line."""
    yaml = YAML(typ="safe", pure=True)
    try:
        # Depth, alias expansion and integer size first: nothing is built from the text before.
        check_yaml(text, max_depth=MAX_MANIFEST_DEPTH, max_nodes=MAX_MANIFEST_NODES)
        return [doc for doc in yaml.load_all(text) if doc is not None]
    except LimitError as exc:
        raise ManifestError(f"{name}: {exc}") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ManifestError(f"{name}: invalid YAML{where}: {problem}") from exc


def load(
    paths: Iterable[str],
    *,
    default_namespace: str = "default",
    stdin: TextIO | None = None,
    strict: bool = False,
) -> list[LoadedDocument]:
    """Load and validate every document under ``paths``.

    A Flux repository holds kinds tagpilot does not handle (Kustomization, HelmRelease,
    Deployment, ...): such documents come back with ``skipped`` set and no errors, so a
    cluster directory applies as it is; with ``strict`` they are errors instead.

    Examples
    --------
    >>> docs = load(["manifests/"])  # doctest: +SKIP
    >>> [d.describe() for d in docs if not d.valid]  # doctest: +SKIP
    """
    out: list[LoadedDocument] = []
    for name, text in iter_sources(paths, stdin):
        for index, doc in enumerate(parse_documents(name, text), start=1):
            out.append(validate_document(name, index, doc, default_namespace, strict=strict))
    check_receiver_tokens(out)
    return out


def check_receiver_tokens(docs: list[LoadedDocument]) -> None:
    """Refuse a Receiver whose Secret, in the same set of documents, holds a weak token.

    ``apply`` refuses it too (and checks Secrets it already stores); ``validate`` can only see
    the documents it is given.
    """
    from tagpilot.receiver.errors import WeakTokenError
    from tagpilot.receiver.spec import check_token

    secrets = {(d.namespace, d.name): d.secret for d in docs if d.secret is not None}
    for doc in docs:
        if doc.resource is None or doc.kind != "Receiver":
            continue
        ref = doc.resource.spec.get("secretRef") or {}
        secret = secrets.get((doc.namespace, str(ref.get("name", ""))))
        if secret is None or "token" not in secret["data"]:
            continue
        try:
            check_token(secret["data"]["token"])
        except WeakTokenError as exc:
            message = f"Secret {ref.get('name')}: {exc.message}"
            doc.errors.append(FieldError("spec.secretRef", message))
            doc.resource = None


def skip_summary(docs: Iterable[LoadedDocument]) -> list[str]:
    """One line per skipped kind: ``skipped 3 Kustomization (not handled by tagpilot)``."""
    counts: dict[tuple[str, str], int] = {}
    for doc in docs:
        if doc.skipped is not None:
            key = (doc.kind or "document without kind", doc.skipped)
            counts[key] = counts.get(key, 0) + 1
    return [f"skipped {n} {kind} ({why})" for (kind, why), n in sorted(counts.items())]


NOT_HANDLED = "not handled by tagpilot"
NOT_AN_OBJECT = "not a Kubernetes object"
SOPS_ENCRYPTED = "SOPS-encrypted, decrypted only in the cluster"


def _skip_reason(doc: dict[str, Any], api_version: str, kind: str) -> str | None:
    """Why a document is outside tagpilot's kinds, or ``None`` when tagpilot should check it.

    Kinds of tagpilot's own API groups that it does not know are typos, not foreign kinds,
    unless they are Flux kinds (``Kustomization``, ``HelmRelease``, ``Bucket``, ...).
    """
    if not api_version and not kind:
        return NOT_AN_OBJECT
    if kind == "Secret" and api_version == "v1" and "sops" in doc:
        return SOPS_ENCRYPTED
    if not api_version or not kind or kind in kinds.BY_KIND:
        return None
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    if group in kinds.OWN_GROUPS and kind not in kinds.FLUX_KINDS_NOT_HANDLED:
        return None
    return NOT_HANDLED


def validate_document(
    source: str, index: int, doc: Any, default_namespace: str, *, strict: bool = False
) -> LoadedDocument:
    loaded = LoadedDocument(source=source, index=index)
    check = Checker()
    if not isinstance(doc, dict):
        check.fail("", "a manifest must be a YAML mapping with apiVersion and kind")
        loaded.errors = check.errors
        return loaded
    # Scalar fields are read only when they are strings: never str() of a collection.
    loaded.api_version = _scalar(doc, "apiVersion", "", check)
    loaded.raw_spec = doc.get("spec")
    loaded.kind = _scalar(doc, "kind", "", check)
    reason = _skip_reason(doc, loaded.api_version, loaded.kind)
    if reason is not None:
        meta_raw = doc.get("metadata")
        meta_map = meta_raw if isinstance(meta_raw, dict) else {}
        loaded.name = _scalar(meta_map, "name", "", None)
        loaded.namespace = _scalar(meta_map, "namespace", default_namespace, None)
        if strict:
            what = loaded.kind or "a document without apiVersion and kind"
            check.fail("kind" if loaded.kind else "", f"{what}: {reason} (--strict)")
            loaded.errors = check.errors
        else:
            loaded.skipped = reason
        return loaded
    meta = (
        check.mapping(doc.get("metadata"), "metadata", allowed=_METADATA_FIELDS)
        if doc.get("metadata") is not None
        else {}
    )
    loaded.name = _scalar(meta, "name", "", None)
    loaded.namespace = _scalar(meta, "namespace", default_namespace, None)
    info = kinds.lookup(loaded.api_version, loaded.kind)
    if not loaded.api_version or not loaded.kind:
        check.fail("", "apiVersion and kind are required")
    elif info is None:
        known = kinds.BY_KIND.get(loaded.kind)
        if known is None:
            check.fail("kind", f"unsupported kind {loaded.kind!r}")
        else:
            check.fail(
                "apiVersion",
                f"unsupported apiVersion {loaded.api_version!r} for "
                f"{loaded.kind}: use one of {', '.join(known.api_versions())}",
            )
    _check_metadata(meta, info, check)
    if isinstance(meta.get("annotations"), dict):
        for problem in annotation_errors(loaded.kind, meta["annotations"]):
            check.fail("metadata.annotations", problem)
    if info is not None:
        allowed = SECRET_TOP_LEVEL if info.kind == "Secret" else TOP_LEVEL
        for key in doc:
            if key not in allowed:
                check.fail(str(key), "unknown field")
        if info.kind == "Secret":
            loaded.secret = validate_secret(doc, check)
        elif info.validate_spec is not None:
            info.validate_spec(doc.get("spec"), check, "spec")
    if not check.errors:
        _check_size(doc, check)
    loaded.errors = check.errors
    if not loaded.errors and info is not None:
        loaded.resource = Resource(
            api_version=loaded.api_version,
            kind=loaded.kind,
            name=loaded.name,
            namespace="" if info.kind == "Namespace" else loaded.namespace,
            spec=dict(doc.get("spec") or {}),
            labels=dict(meta.get("labels") or {}),
            annotations={str(k): str(v) for k, v in (meta.get("annotations") or {}).items()},
        )
        if info.kind == "Namespace":
            loaded.namespace = ""
    return loaded


def _scalar(obj: dict[str, Any], key: str, default: str, check: Checker | None) -> str:
    value = obj.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value
    if check is not None:
        check.fail(key, f"must be a string, not {type_name(value)}")
    return default


def _check_size(doc: dict[str, Any], check: Checker) -> None:
    """Refuse what DynamoDB would refuse at apply: an item is at most 400 KB."""
    size = len(json.dumps(doc, separators=(",", ":"), default=str).encode("utf-8"))
    if size > MAX_OBJECT_BYTES:
        check.fail(
            "",
            f"the object is {size} bytes as JSON; objects are limited to "
            f"{MAX_OBJECT_BYTES // 1024} KiB (a DynamoDB item holds 400 KB, status included)",
        )


_METADATA_FIELDS = (
    "name",
    "namespace",
    "labels",
    "annotations",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "finalizers",
    "ownerReferences",
    "managedFields",
    "generateName",
    "selfLink",
)


def _check_metadata(meta: dict[str, Any], info: kinds.KindInfo | None, check: Checker) -> None:
    check.string(meta, "name", "metadata", required=True, pattern=DNS1123_SUBDOMAIN, max_length=253)
    if info is not None and info.kind == "Namespace":
        check.string(meta, "name", "metadata", pattern=DNS1123_LABEL, max_length=63)
    else:
        check.string(meta, "namespace", "metadata", pattern=DNS1123_LABEL, max_length=63)
    check.labels(meta.get("labels"), "metadata.labels")
    check.string_map(meta, "annotations", "metadata")
