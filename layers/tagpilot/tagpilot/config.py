"""The one place that knows tagpilot's environment variables.

Settings are parsed once into a frozen :class:`Settings`; nothing reads the environment at import
time. Handlers call :func:`load_settings` once at module scope of their cold start; tests build
``Settings`` directly or pass their own mapping.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tagpilot.errors import TagpilotError

ENV_STAGE = "TAGPILOT_STAGE"
ENV_OBJECTS_TABLE = "TAGPILOT_OBJECTS_TABLE"
ENV_TAGS_TABLE = "TAGPILOT_TAGS_TABLE"
ENV_LEASES_TABLE = "TAGPILOT_LEASES_TABLE"
ENV_EVENTS_TABLE = "TAGPILOT_EVENTS_TABLE"
ENV_DELIVERY_QUEUE_URL = "TAGPILOT_DELIVERY_QUEUE_URL"
ENV_SCAN_QUEUE_URL = "TAGPILOT_SCAN_QUEUE_URL"
ENV_AUTOMATION_QUEUE_URL = "TAGPILOT_AUTOMATION_QUEUE_URL"
ENV_SECRETS_PREFIX = "TAGPILOT_SECRETS_PREFIX"
ENV_GCR_JWKS_URL = "TAGPILOT_GCR_JWKS_URL"
ENV_WEBHOOK_BASE_URL = "TAGPILOT_WEBHOOK_BASE_URL"
ENV_DYNAMODB_ENDPOINT = "TAGPILOT_DYNAMODB_ENDPOINT"
ENV_SECRETS_ENDPOINT = "TAGPILOT_SECRETSMANAGER_ENDPOINT"
ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"
ENV_MODE = "TAGPILOT_MODE"
ENV_HOME = "TAGPILOT_HOME"
ENV_DOCKERHUB_API_URL = "TAGPILOT_DOCKERHUB_API_URL"
ENV_SOURCE_QUEUE_URL = "TAGPILOT_SOURCE_QUEUE_URL"
#: IAM role unique ids (``AROA...``) whose queue messages may carry the claimed object.
ENV_SNAPSHOT_SENDERS = "TAGPILOT_SNAPSHOT_SENDERS"
ENV_ARTIFACT_BUCKET = "TAGPILOT_ARTIFACT_BUCKET"
ENV_EVENT_BUS = "TAGPILOT_EVENT_BUS"
ENV_ARTIFACT_MAX_BYTES = "TAGPILOT_ARTIFACT_MAX_BYTES"
#: Keyless cosign: a Sigstore ``trusted_root.json`` file; unset: the one bundled with ``sigstore``.
ENV_SIGSTORE_TRUSTED_ROOT = "TAGPILOT_SIGSTORE_TRUSTED_ROOT"
#: Default cap on an OCI layer's unpacked content (ephemeral storage; README "OCIRepository").
DEFAULT_ARTIFACT_MAX_BYTES = 512 * 1024 * 1024

DEFAULT_GCR_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
DEFAULT_DOCKERHUB_API_URL = "https://hub.docker.com"
LOCAL_REGION = "us-east-1"


class ConfigurationError(TagpilotError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    """Everything tagpilot needs to know about where it runs.

    ``mode`` is ``"aws"`` in Lambda or with a deployed stack, ``"local"`` for the local stack
    (DynamoDB Local plus the embedded Secrets Manager endpoint).
    """

    mode: str = "local"
    stage: str = "local"
    region: str = LOCAL_REGION
    objects_table: str = "tagpilot-objects"
    tags_table: str = "tagpilot-tags"
    leases_table: str = "tagpilot-leases"
    #: Recorded events (``tagpilot events``) and the notification queue (bus: ``event_bus_name``).
    events_table: str = "tagpilot-events"
    delivery_queue_url: str = ""
    scan_queue_url: str = ""
    automation_queue_url: str = ""
    secrets_prefix: str = "tagpilot/local/"
    gcr_jwks_url: str = DEFAULT_GCR_JWKS_URL
    webhook_base_url: str = ""
    #: Docker Hub's web API (push times of ``tagpilot.dev/push-times: dockerhub``).
    docker_hub_api: str = DEFAULT_DOCKERHUB_API_URL
    dynamodb_endpoint: str | None = None
    secrets_endpoint: str | None = None
    #: Only for the local stack's endpoints; in AWS the default credential chain is used.
    access_key_id: str | None = None
    secret_access_key: str | None = None
    home: Path = field(default_factory=lambda: Path.home() / ".tagpilot")
    #: OCIRepository artifacts: S3 bucket (AWS; local mode uses ``home/artifacts``), event bus.
    artifact_bucket: str = ""
    source_queue_url: str = ""  # OCIRepository work (SourceFunction); empty: the scan queue
    event_bus_name: str = ""
    artifact_max_bytes: int = DEFAULT_ARTIFACT_MAX_BYTES
    #: Keyless verification's trust root file ("": sigstore's bundled public-good root).
    sigstore_trusted_root: str = ""
    #: Roles (unique ids) whose messages' object snapshots a worker uses (SQS ``SenderId``);
    #: a snapshot from any other sender is dropped and the object read (store/queues.py).
    snapshot_senders: tuple[str, ...] = ()

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


_REQUIRED_IN_AWS = (ENV_OBJECTS_TABLE, ENV_TAGS_TABLE, ENV_LEASES_TABLE, ENV_SECRETS_PREFIX)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Parse the environment into :class:`Settings`.

    In ``aws`` mode (the default inside Lambda, detected by ``AWS_LAMBDA_FUNCTION_NAME``) the
    table names and the secrets prefix are required and a missing one fails at once with a message
    naming every missing variable.
    """
    env = os.environ if env is None else env
    mode = env.get(ENV_MODE) or ("aws" if env.get("AWS_LAMBDA_FUNCTION_NAME") else "local")
    if mode not in ("aws", "local"):
        raise ConfigurationError(f"{ENV_MODE} must be 'aws' or 'local', not {mode!r}")
    home = Path(env[ENV_HOME]) if env.get(ENV_HOME) else Path.home() / ".tagpilot"
    max_bytes = _positive_int(env, ENV_ARTIFACT_MAX_BYTES, DEFAULT_ARTIFACT_MAX_BYTES)
    if mode == "local":
        base = Settings(home=home)
        return replace(
            base,
            webhook_base_url=env.get(ENV_WEBHOOK_BASE_URL, ""),
            gcr_jwks_url=env.get(ENV_GCR_JWKS_URL, DEFAULT_GCR_JWKS_URL),
            docker_hub_api=env.get(ENV_DOCKERHUB_API_URL) or DEFAULT_DOCKERHUB_API_URL,
            dynamodb_endpoint=env.get(ENV_DYNAMODB_ENDPOINT) or None,
            secrets_endpoint=env.get(ENV_SECRETS_ENDPOINT) or None,
            artifact_max_bytes=max_bytes,
            sigstore_trusted_root=env.get(ENV_SIGSTORE_TRUSTED_ROOT, ""),
        )
    missing = [name for name in _REQUIRED_IN_AWS if not env.get(name)]
    if missing:
        raise ConfigurationError("missing environment variables: " + ", ".join(missing))
    return Settings(
        mode="aws",
        stage=env.get(ENV_STAGE, "dev"),
        region=env.get(ENV_REGION) or env.get(ENV_DEFAULT_REGION) or LOCAL_REGION,
        objects_table=env[ENV_OBJECTS_TABLE],
        tags_table=env[ENV_TAGS_TABLE],
        leases_table=env[ENV_LEASES_TABLE],
        events_table=env.get(ENV_EVENTS_TABLE, "tagpilot-events"),
        delivery_queue_url=env.get(ENV_DELIVERY_QUEUE_URL, ""),
        scan_queue_url=env.get(ENV_SCAN_QUEUE_URL, ""),
        automation_queue_url=env.get(ENV_AUTOMATION_QUEUE_URL, ""),
        secrets_prefix=env[ENV_SECRETS_PREFIX],
        gcr_jwks_url=env.get(ENV_GCR_JWKS_URL, DEFAULT_GCR_JWKS_URL),
        webhook_base_url=env.get(ENV_WEBHOOK_BASE_URL, ""),
        docker_hub_api=env.get(ENV_DOCKERHUB_API_URL) or DEFAULT_DOCKERHUB_API_URL,
        dynamodb_endpoint=env.get(ENV_DYNAMODB_ENDPOINT) or None,
        secrets_endpoint=env.get(ENV_SECRETS_ENDPOINT) or None,
        home=home,
        artifact_bucket=env.get(ENV_ARTIFACT_BUCKET, ""),
        source_queue_url=env.get(ENV_SOURCE_QUEUE_URL, ""),
        event_bus_name=env.get(ENV_EVENT_BUS, ""),
        artifact_max_bytes=max_bytes,
        sigstore_trusted_root=env.get(ENV_SIGSTORE_TRUSTED_ROOT, ""),
        snapshot_senders=tuple(
            part.strip() for part in env.get(ENV_SNAPSHOT_SENDERS, "").split(",") if part.strip()
        ),
    )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise ConfigurationError(f"{name} must be a positive integer, not {text!r}")
    return int(text)
