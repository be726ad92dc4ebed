"""Build the adapters once (at a handler's cold start or a CLI command's start).

:func:`build_app` is the one place that wires :class:`~tagpilot.reconcile.app.App`: handlers,
the CLI, the tests and the benches all call it.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import requests
from botocore.config import Config

from tagpilot.config import Settings
from tagpilot.forge.factory import Forges
from tagpilot.golang.duration import DurationError, parse_duration
from tagpilot.httpenv import prepared
from tagpilot.local.stack import ensure_running
from tagpilot.receiver.gcr import GcrTokenVerifier, http_key_fetcher
from tagpilot.reconcile.app import App
from tagpilot.registry.budget import RequestMeter
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.ecr import EcrCredentialProvider
from tagpilot.registry.errors import ImageURLInvalidError
from tagpilot.registry.names import parse_image_reference
from tagpilot.registry.oci_url import parse_oci_url
from tagpilot.registry.pushtimes import PushSources
from tagpilot.runtime.follow import StackFollower
from tagpilot.store.artifacts import LocalArtifactStorage, S3ArtifactStorage
from tagpilot.store.budgets import BudgetStore
from tagpilot.store.leases import LeaseStore
from tagpilot.store.models import build_models
from tagpilot.store.models import create_tables as create
from tagpilot.store.objects import ObjectStore
from tagpilot.store.pushtimes import PushTimeStore
from tagpilot.store.queues import MemoryQueue, Queue, SqsQueue
from tagpilot.store.secrets import SecretStore
from tagpilot.store.tags import TagStore


def resolve_local(settings: Settings) -> Settings:
    """In local mode, start (or find) the local stack and point the settings at it."""
    if settings.mode != "local" or settings.dynamodb_endpoint:
        return settings
    stack = ensure_running(settings.home)
    return settings.with_overrides(
        dynamodb_endpoint=stack.dynamodb_endpoint,
        secrets_endpoint=stack.secrets_endpoint,
        access_key_id=stack.access_key,
        secret_access_key="local",  # noqa: S106 - the local stack checks the key id only
    )


def derive_index_attributes(resource: Any) -> dict[str, Any]:
    """Attributes derived from the spec: the canonical image or the reference (indexes), and
    ``interval_s``, the reconcile interval the dispatcher's claim schedules the next run with."""
    out: dict[str, Any] = {}
    interval = resource.spec.get("interval")
    try:
        out["interval_s"] = parse_duration(interval) if isinstance(interval, str) else None
    except DurationError:
        out["interval_s"] = None
    if resource.kind == "ImageRepository":
        try:
            out["canonical_image"] = parse_image_reference(resource.spec.get("image", "")).canonical
        except ImageURLInvalidError:
            out["canonical_image"] = None
    if resource.kind == "OCIRepository":  # ECR push events reconcile it like an ImageRepository
        try:
            out["canonical_image"] = parse_oci_url(resource.spec.get("url", "")).canonical
        except ImageURLInvalidError:
            out["canonical_image"] = None
    if resource.kind == "ImagePolicy":
        ref = resource.spec.get("imageRepositoryRef") or {}
        ns = ref.get("namespace") or resource.namespace
        out["ref"] = f"ImageRepository#{ns}/{ref.get('name', '')}"
    return out


def build_app(settings: Settings, *, session: Any = None, create_tables: bool | None = None) -> App:
    """Wire real adapters for ``settings`` (AWS or the local stack).

    With the local stack found through ``settings.home`` (no explicit endpoint), the App gets a
    ``reresolve`` hook (:class:`~tagpilot.runtime.follow.StackFollower`) that follows the stack
    if it restarts on other ports.
    """
    follows_stack = settings.mode == "local" and not settings.dynamodb_endpoint
    settings = resolve_local(settings)
    if session is None:
        if settings.access_key_id:
            session = boto3.session.Session(
                aws_access_key_id=settings.access_key_id,
                aws_secret_access_key=settings.secret_access_key,
                region_name=settings.region,
            )
        else:
            session = boto3.session.Session(region_name=settings.region)
    cfg = Config(
        retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=15
    )
    models = build_models(settings)
    if create_tables if create_tables is not None else settings.mode == "local":
        create(models)
    secrets_client = session.client(
        "secretsmanager", endpoint_url=settings.secrets_endpoint, config=cfg
    )
    local = settings.mode == "local"
    scan_queue: Queue = (
        MemoryQueue()
        if local or not settings.scan_queue_url
        else SqsQueue(session.client("sqs", config=cfg), settings.scan_queue_url)
    )
    automation_queue: Queue = (
        MemoryQueue()
        if local or not settings.automation_queue_url
        else SqsQueue(session.client("sqs", config=cfg), settings.automation_queue_url)
    )
    ecr_clients: dict[str, Any] = {}

    def ecr_client_for(region: str) -> Any:
        if region not in ecr_clients:
            ecr_clients[region] = session.client("ecr", region_name=region, config=cfg)
        return ecr_clients[region]

    registry_session = prepared(requests.Session())
    meter = RequestMeter(time.time)  # counts registry requests for the registry budgets
    meter.install(registry_session)
    app = App(
        settings=settings,
        objects=ObjectStore(models, derive=derive_index_attributes),
        tags=TagStore(models),
        leases=LeaseStore(models),
        secrets=SecretStore(secrets_client, settings.secrets_prefix),
        registry=RegistryClient(registry_session),
        scan_queue=scan_queue,
        automation_queue=automation_queue,
        source_queue=(
            SqsQueue(session.client("sqs", config=cfg), settings.source_queue_url)
            if not local and settings.source_queue_url
            else None
        ),
        ecr=EcrCredentialProvider(client_factory=ecr_client_for),
        gcr_verifier=GcrTokenVerifier(
            http_key_fetcher(prepared(requests.Session())), certs_url=settings.gcr_jwks_url
        ),
        pushtimes=PushTimeStore(models),
        budgets=BudgetStore(models),
        meter=meter,
        push_sources=PushSources(
            session=prepared(requests.Session()),
            docker_hub_api=settings.docker_hub_api,
            ecr_client=ecr_client_for,
        ),
        forges=Forges(prepared(requests.Session())),
    )
    _wire_artifacts(app, session, cfg)
    event_model = wire_events(app, session, cfg)
    if follows_stack:
        app.reresolve = StackFollower(
            app,
            settings.home,
            [m for m in (*models.classes(), event_model) if m is not None],
            lambda endpoint: session.client("secretsmanager", endpoint_url=endpoint, config=cfg),
        )
    return app


def _wire_artifacts(app: App, session: Any, cfg: Any) -> None:
    """OCIRepository artifacts: the stack's S3 bucket, or local storage."""
    settings = app.settings
    if settings.artifact_bucket:
        app.artifacts = S3ArtifactStorage(
            session.client("s3", config=cfg), settings.artifact_bucket
        )
    else:
        app.artifacts = LocalArtifactStorage(settings.home / "artifacts")


def wire_events(app: App, session: Any = None, config: Any = None) -> type[Any]:
    """Give ``app`` its event recorder: the events table plus the stack's bus (AWS) or, locally,
    the in-process delivery (``app.notifications``); returns the events table's model."""
    from tagpilot.notify.bus import CallbackBus, EventBridgeBus
    from tagpilot.notify.recorder import Recorder
    from tagpilot.store.eventlog import EventStore, build_event_model, create_event_table

    settings = app.settings
    model = build_event_model(settings)
    if settings.mode == "local":
        create_event_table(model)
    store = EventStore(model)
    bus: Any
    if settings.mode != "local" and settings.event_bus_name and session is not None:
        bus = EventBridgeBus(session.client("events", config=config), settings.event_bus_name)
    else:
        from tagpilot.runtime.notify import local_delivery

        delivery = local_delivery(app, model)
        app.notifications = delivery
        bus = CallbackBus(delivery)
    app.events = Recorder(store, bus)
    return model
