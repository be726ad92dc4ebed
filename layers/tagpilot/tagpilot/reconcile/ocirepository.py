"""Reconcile an OCIRepository as source-controller does (reference §2).

One run: storage check and garbage collection (:mod:`.ocistorage`: with S3 only when it can
find something); resolve the reference (digest > semver > tag > ``latest``) with one ``HEAD``;
stop there when the revision, ``ignore`` and ``layerSelector`` are those of the stored artifact
(and a required signature was verified at this generation, :mod:`.ocisignature`). A periodic
run starts from the object its dispatcher claimed (carried in the message), so an unchanged
reconcile makes that one request and writes nothing.
Otherwise verify the signature, pull the manifest, select the layer, unpack it with the ignore
rules (or copy it) and store the artifact; publish ``NewArtifact`` when its digest changed.
Failures keep the previous artifact and retry with Flux's backoff; a bad URL stalls.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tagpilot.api import conditions
from tagpilot.api.conditions import now_rfc3339
from tagpilot.api.ocirepository import OCIRepositorySpec
from tagpilot.api.resource import Resource
from tagpilot.oci.tarball import DEFAULT_MAX_SIZE
from tagpilot.reconcile import ocisource as src
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, backoff, handled_request
from tagpilot.reconcile.ocisignature import VerifyFailedError, verify_source
from tagpilot.reconcile.ocistorage import delete_artifacts, storage_of, storage_step_due
from tagpilot.reconcile.registryauth import build_registry_auth
from tagpilot.reconcile.sourcestatus import (
    ARTIFACT_IN_STORAGE,
    ARTIFACT_OUTDATED,
    SOURCE_VERIFIED,
    summarize,
)
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.errors import AuthConfigError, ImageURLInvalidError
from tagpilot.registry.names import ImageName
from tagpilot.registry.oci_url import parse_oci_url
from tagpilot.store.artifacts import StoredArtifact, artifact_dir
from tagpilot.store.objects import unchanged_on_schedule

KIND = "OCIRepository"
URL_INVALID = "URLInvalid"
AUTHENTICATION_FAILED = "AuthenticationFailed"
NEW_ARTIFACT = "NewArtifact"
__all__ = ["KIND", "NEW_ARTIFACT", "delete_artifacts", "oci_client", "reconcile"]


def oci_client(app: App) -> RegistryClient:
    """The App's registry client, which must speak the whole OCI distribution API (manifests
    and blobs), not only the tag listing the :class:`~tagpilot.reconcile.app.Registry`
    Protocol names."""
    registry = app.registry
    if not isinstance(registry, RegistryClient):
        raise TypeError(f"OCIRepository needs a RegistryClient, not {type(registry).__name__}")
    return registry


def reconcile(app: App, namespace: str, name: str, *, resource: Resource | None = None) -> Outcome:
    """Reconcile one OCIRepository and persist its status; never raises for source problems.

    ``resource`` is the object as its dispatcher's claim returned it (a fresh snapshot, see
    :func:`tagpilot.store.queues.snapshot_resource`); without it the object is read.
    """
    snapshot = resource is not None
    if resource is None:
        resource = app.objects.get(KIND, namespace, name)
    try:
        return _start(app, namespace, name, resource, snapshot=snapshot)
    except _Restart as restart:  # the object changed since its claim: run on what it is now
        out = _start(app, namespace, name, restart.fresh, snapshot=False)
        out.metrics["snapshot_stale"] = 1
        return out


def _start(
    app: App, namespace: str, name: str, resource: Resource | None, *, snapshot: bool
) -> Outcome:
    out = Outcome(KIND, namespace, name)
    if resource is None:
        out.skipped = "not found"
        return out
    if resource.suspended:
        out.skipped = "suspended"
        return out
    return _Run(app, resource, out, snapshot=snapshot).execute()


class _Restart(Exception):  # noqa: N818 - control flow: the snapshot is stale
    def __init__(self, fresh: Resource | None) -> None:
        super().__init__("object changed since its claim")
        self.fresh = fresh


class _Run:
    def __init__(self, app: App, resource: Resource, out: Outcome, *, snapshot: bool) -> None:
        self.app = app
        self.resource = resource
        #: Started from the claim's snapshot: confirmed by a read before its first write.
        self.snapshot = snapshot
        self.out = out
        self.gen = resource.generation
        self.status: dict[str, Any] = dict(resource.status)
        self.spec = OCIRepositorySpec.from_dict(resource.spec)
        self.storage = storage_of(app)
        self.registry = oci_client(app)
        self.now = app.clock()
        # Flux compares with the object as it was before the run (a rebuilt, vanished artifact
        # with the same bytes announces nothing).
        self.previous_digest = (resource.status.get("artifact") or {}).get("digest")

    # -- condition helpers ---------------------------------------------------------------
    def mark(self, ctype: str, value: str, reason: str, message: str) -> None:
        conditions.set_condition(self.status, ctype, value, reason, message, generation=self.gen)

    def progressing(self, message: str) -> None:
        self.mark(conditions.RECONCILING, "True", conditions.PROGRESSING, message)

    # -- the run ------------------------------------------------------------------------
    def execute(self) -> Outcome:
        handled_request(self.resource, self.status)
        observed = self.status.get("observedGeneration", -1)
        if observed != self.gen:
            self.progressing(f"processing object: new generation {observed} -> {self.gen}")
        else:
            self.progressing("reconciliation in progress")
        try:
            self._storage_step()
            self._source_and_artifact()
        except src.OCIStepError as exc:
            return self._fail(exc.condition, exc.reason, exc.message)
        except _Stall as exc:
            return self._stall(str(exc))
        except VerifyFailedError as exc:
            return self._finish(failed=True, message=str(exc))
        return self._finish(failed=False)

    def _storage_step(self) -> None:
        artifact = self.status.get("artifact")
        if storage_step_due(self.storage, self.resource, self.spec.interval, self.now):
            directory = artifact_dir(KIND, self.resource.namespace, self.resource.name)
            self._collect(directory, (artifact or {}).get("path", ""))
        elif self.storage.remote:
            self.out.metrics["storage_step_skipped"] = 1
            return
        else:
            self.out.metrics["gc_skipped"] = 1  # nothing to collect; the check is a stat
        disappeared = False
        if artifact and not self.storage.verify(
            artifact["path"], artifact["digest"], before_delete=self._confirm
        ):
            self.status.pop("artifact", None)
            self.status.pop("url", None)
            disappeared = True
        if not self.status.get("artifact"):
            self.progressing(
                "building artifact: disappeared from storage"
                if disappeared
                else "building artifact"
            )
            conditions.delete(self.status, ARTIFACT_IN_STORAGE)

    def _confirm(self) -> None:
        """Before its first change (GC, build, status write), a run that started from the
        claim's snapshot reads the object: if it changed meanwhile (spec, suspend, request,
        deletion, another run's status), the run starts over from what it is now.

        Raises
        ------
        _Restart
            The object is not the snapshot any more.
        """
        if not self.snapshot:
            return
        # A failed read leaves the snapshot unconfirmed: the next change tries again (a GC
        # swallows its errors, as Flux's does; the build and the status write do not).
        fresh = self.app.objects.get(KIND, self.resource.namespace, self.resource.name)
        self.snapshot = False
        old = self.resource
        if fresh is None or (fresh.generation, fresh.spec, fresh.annotations, fresh.status) != (
            old.generation,
            old.spec,
            old.annotations,
            old.status,
        ):
            raise _Restart(fresh)
        self.resource = fresh  # its scheduling fields as stored now

    def _collect(self, directory: str, current: str) -> None:
        """Flux's GC (errors ignored); also run after a new artifact, to keep two at most.
        A run from a snapshot confirms it before deleting anything (a GC that finds nothing to
        delete changes nothing, and needs no read)."""
        try:
            deleted = self.storage.gc(directory, current, self.now, before_delete=self._confirm)
            self.out.metrics["gc_deleted"] = len(deleted)
        except _Restart:
            raise
        except Exception:  # noqa: BLE001 - Flux ignores garbage-collection errors
            self.out.metrics["gc_errors"] = 1

    def _source_and_artifact(self) -> None:
        spec, resource = self.spec, self.resource
        if (conditions.get(self.status, SOURCE_VERIFIED) or {}).get("status") == "False":
            conditions.delete(self.status, SOURCE_VERIFIED)
        try:
            image = parse_oci_url(spec.url)
        except ImageURLInvalidError as exc:
            raise _Stall(f"URL validation failed for '{spec.url}': {exc}") from None
        try:
            auth = build_registry_auth(
                spec, resource.namespace, image, self.app.secrets, self.app.ecr
            )
        except AuthConfigError as exc:
            raise src.OCIStepError(
                src.FETCH_FAILED, AUTHENTICATION_FAILED, f"failed to get credential: {exc}"
            ) from None
        started = time.perf_counter()
        resolved = src.resolve(self.registry, image, spec, auth, spec.url)
        self.out.metrics["resolve_seconds"] = time.perf_counter() - started
        revision = resolved.revision
        printed = (
            f"{image.canonical}:{resolved.tag}"
            if resolved.tag
            else (f"{image.canonical}@{resolved.digest}")
        )
        artifact = self.status.get("artifact") or {}
        if artifact.get("revision") != revision:
            message = f"new revision '{revision}' for '{printed}'"
            self.progressing(f"building artifact: {message}")
            if artifact:
                self.mark(ARTIFACT_OUTDATED, "True", "NewRevision", message)
        verify_source(self.app, self.registry, resource, spec, self.status, (image, auth, resolved))
        if self._up_to_date(revision):
            conditions.delete(self.status, src.FETCH_FAILED)
            self._stored(revision)
            self.out.metrics["unchanged"] = 1
            return
        self._build(image, auth, resolved)

    def _up_to_date(self, revision: str) -> bool:
        artifact = self.status.get("artifact")
        if not artifact or artifact.get("revision") != revision:
            return False
        observed_ignore = self.status.get("observedIgnore")
        observed_selector = self.status.get("observedLayerSelector")
        return observed_ignore == self.spec.ignore and observed_selector == self.spec.layer_selector

    def _build(self, image: ImageName, auth: RegistryAuth, resolved: src.Resolved) -> None:
        self._confirm()
        spec, resource = self.spec, self.resource
        started = time.perf_counter()
        manifest = src.pull_manifest(self.registry, image, resolved.digest, auth, spec, spec.url)
        layer = src.select_layer(manifest, spec.media_type)
        directory = artifact_dir(KIND, resource.namespace, resource.name)
        path = f"{directory}/{resolved.digest}.tar.gz"
        max_size = getattr(self.app.settings, "artifact_max_bytes", 0) or DEFAULT_MAX_SIZE
        build = src.Build(self.registry, image, auth, spec, int(max_size))
        spool = getattr(self.app.settings, "spool_dir", None)
        with src.workdir(resource.namespace, resource.name, spool) as tmp:
            stored = src.build_artifact(build, layer, self.storage, path, tmp)
        conditions.delete(self.status, src.FETCH_FAILED)
        self.status["artifact"] = {
            "path": stored.path,
            "url": stored.url,
            "revision": resolved.revision,
            "digest": stored.digest,
            "lastUpdateTime": now_rfc3339(datetime.fromtimestamp(self.now, UTC)),
            "size": stored.size,
        }
        if manifest.annotations is not None:
            self.status["artifact"]["metadata"] = manifest.annotations
        _set_nullable(self.status, "observedIgnore", spec.ignore)
        _set_nullable(self.status, "observedLayerSelector", spec.layer_selector)
        try:
            self.status["url"] = self.storage.set_latest(stored.path)
        except Exception:  # noqa: BLE001 - Flux only records a trace event
            self.out.metrics["symlink_errors"] = 1
        conditions.delete(self.status, src.STORAGE_FAILED)
        self._collect(directory, stored.path)
        self._stored(resolved.revision)
        self.out.metrics["build_seconds"] = time.perf_counter() - started
        if self.previous_digest != stored.digest:
            self._announce(resolved.revision, stored, manifest.annotations or {})

    def _stored(self, revision: str) -> None:
        conditions.delete(self.status, ARTIFACT_OUTDATED)
        self.mark(
            ARTIFACT_IN_STORAGE,
            "True",
            conditions.SUCCEEDED,
            f"stored artifact for digest '{revision}'",
        )

    def _announce(self, revision: str, stored: StoredArtifact, annotations: dict[str, str]) -> None:
        message = f"stored artifact with revision '{revision}' from '{self.spec.url}'"
        origin, origin_rev = (
            annotations.get("org.opencontainers.image.source"),
            annotations.get("org.opencontainers.image.revision"),
        )
        if origin and origin_rev:
            message += f", origin source '{origin}', origin revision '{origin_rev}'"
        detail = {
            "kind": KIND,
            "namespace": self.resource.namespace,
            "name": self.resource.name,
            "reason": NEW_ARTIFACT,
            "message": message,
            "revision": revision,
            "digest": stored.digest,
            "url": stored.url,
            "size": stored.size,
            "metadata": annotations,
        }
        self.out.metrics["new_artifact"] = 1
        publisher = getattr(self.app, "events", None)
        if publisher is not None:
            try:
                publisher.publish(NEW_ARTIFACT, detail)
            except Exception:  # noqa: BLE001 - an event failure never loses the artifact
                self.out.metrics["event_errors"] = 1

    # -- endings ------------------------------------------------------------------------
    def _fail(self, ctype: str, reason: str, message: str) -> Outcome:
        self.mark(ctype, "True", reason, message)
        return self._finish(failed=True, message=message)

    def _stall(self, message: str) -> Outcome:
        self.mark(src.FETCH_FAILED, "True", URL_INVALID, message)
        self.mark(conditions.STALLED, "True", URL_INVALID, message)
        conditions.delete(self.status, conditions.RECONCILING)
        self.status["observedGeneration"] = self.gen
        summarize(self.status, self.gen)
        return self._write(next_due=None, failures=0)

    def _finish(self, *, failed: bool, message: str = "") -> Outcome:
        conditions.delete(self.status, conditions.STALLED)
        if failed:
            rec = conditions.get(self.status, conditions.RECONCILING)
            text = str((rec or {}).get("message") or message)
            self.mark(conditions.RECONCILING, "True", conditions.PROGRESSING_WITH_RETRY, text)
            summarize(self.status, self.gen)
            failures = self.resource.failures + 1
            self.out.metrics["failures"] = 1
            return self._write(next_due=self.now + backoff(failures), failures=failures)
        conditions.delete(self.status, conditions.RECONCILING)
        self.status["observedGeneration"] = self.gen
        summarize(self.status, self.gen)
        return self._write(next_due=self.now + self.spec.interval, failures=0)

    def _write(self, *, next_due: float | None, failures: int) -> Outcome:
        # An unchanged reconcile on schedule writes nothing (the claim already moved next_due_at).
        # (as Flux's patch helper sends no patch when nothing differs).
        extra = {"failures": failures}
        if unchanged_on_schedule(self.resource, self.status, next_due, extra):
            self.out.metrics["status_unchanged"] = 1
        else:
            self._confirm()
            self.app.objects.write_status(
                self.resource, self.status, next_due_at=next_due, extra=extra
            )
        self.out.ready, self.out.message = conditions.ready_summary(self.status)
        self.out.reason = str(
            (conditions.get(self.status, conditions.READY) or {}).get("reason", "")
        )
        return self.out


class _Stall(Exception):  # noqa: N818 - control flow inside one run
    pass


def _set_nullable(status: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        status.pop(key, None)
    else:
        status[key] = value
