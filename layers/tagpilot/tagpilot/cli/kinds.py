"""The kinds the CLI's verbs know, one entry each: how flux names them, their ``get`` columns and
the line ``reconcile`` prints on success.

Every verb (``get``, ``reconcile``, ``suspend``, ``resume``, ``delete``, ``export``) builds its
sub-commands from :data:`KINDS`, so a new kind plugs in with one :class:`CliKind` entry here; its
position in the tuple is its place in ``get all`` (flux's order: sources, images, then the
notification kinds). Standard library only: ``tagpilot --help`` imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: A stored object as the store returns it (``tagpilot.api.resource.Resource``).
Obj = Any

_HEX = re.compile(r"\b[0-9a-f]{40,128}\b")


def short_hex(text: str) -> str:
    """flux cuts every 40-128 character lower-hex word to 8 characters in source tables."""
    return _HEX.sub(lambda m: m.group(0)[:8], text)


def _ready(obj: Obj) -> dict[str, Any]:
    for cond in obj.status.get("conditions") or []:
        if cond.get("type") == "Ready":
            return dict(cond)
    return {}


def ready_column(obj: Obj) -> str:
    return str(_ready(obj).get("status") or "False")


def message_column(obj: Obj) -> str:
    cond = _ready(obj)
    return str(cond.get("message", "")) if cond else "waiting to be reconciled"


def suspended_column(obj: Obj) -> str:
    return "True" if obj.spec.get("suspend") is True else "False"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Obj], str]


READY = Column("READY", ready_column)
MESSAGE = Column("MESSAGE", message_column)
SUSPENDED = Column("SUSPENDED", suspended_column)


@dataclass(frozen=True)
class CliKind:
    """One kind as flux's CLI presents it.

    ``group`` is the first word (``image``, ``source``) or ``None`` for kinds named by one word
    (``receiver``); ``word`` is the kind's own word; ``aliases`` are extra words flux accepts for
    it (``receivers``). ``human`` is flux's ``humanKind`` (``image update automation``).
    """

    kind: str
    group: str | None
    word: str
    human: str
    plural: str  # Kubernetes resource, as in flux's not-found errors
    columns: tuple[Column, ...]
    ready_line: Callable[[Obj], str] | None = None  # None: no ``reconcile`` (static objects)
    aliases: tuple[str, ...] = ()
    suspendable: bool = True
    #: Another kind whose reconcile this one's ``--with-source`` runs first (``kind`` of the ref).
    source_ref: Callable[[Obj], tuple[str, str, str] | None] | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return (self.group, self.word) if self.group else (self.word,)

    @property
    def reconcilable(self) -> bool:
        return self.ready_line is not None


#: Group words and their aliases, as flux spells them.
GROUPS: dict[str, tuple[str, ...]] = {"image": ("images",), "source": ("sources",)}


def _scan_line(obj: Obj) -> str:
    count = (obj.status.get("lastScanResult") or {}).get("tagCount", 0)
    return f"scan fetched {count} tags"


def _policy_line(obj: Obj) -> str:
    ref = obj.status.get("latestRef") or {}
    text = f"selected ref {ref.get('name', '')}:{ref.get('tag', '')}"
    return text + (f"@{ref['digest']}" if ref.get("digest") else "")


def _automation_line(obj: Obj) -> str:
    cond = _ready(obj)
    if cond.get("message"):
        return str(cond["message"])
    last = obj.status.get("lastAutomationRunTime")
    return f"last run {last}" if last else "automation not yet run"


def _revision_line(obj: Obj) -> str:
    return f"fetched revision {(obj.status.get('artifact') or {}).get('revision', '')}"


def _receiver_line(_obj: Obj) -> str:
    return "Receiver reconciliation completed"


def _scan_time(obj: Obj) -> str:
    from tagpilot.cli.timefmt import local_rfc3339

    return local_rfc3339((obj.status.get("lastScanResult") or {}).get("scanTime"))


def _run_time(obj: Obj) -> str:
    from tagpilot.cli.timefmt import local_rfc3339

    return local_rfc3339(obj.status.get("lastAutomationRunTime"))


def _revision(obj: Obj) -> str:
    return short_hex(str((obj.status.get("artifact") or {}).get("revision", "")))


def _short_message(obj: Obj) -> str:
    return short_hex(message_column(obj))


def _policy_repository(obj: Obj) -> tuple[str, str, str] | None:
    ref = obj.spec.get("imageRepositoryRef") or {}
    ns = ref.get("namespace") or obj.namespace
    return ("ImageRepository", ns, ref["name"]) if ref.get("name") else None


def _automation_source(obj: Obj) -> tuple[str, str, str] | None:
    ref = obj.spec.get("sourceRef") or {}
    ns = ref.get("namespace") or obj.namespace
    return (ref.get("kind") or "GitRepository", ns, ref["name"]) if ref.get("name") else None


OCI_REPOSITORY = CliKind(
    "OCIRepository",
    "source",
    "oci",
    "source oci",
    "ocirepositories.source.toolkit.fluxcd.io",
    (Column("REVISION", _revision), SUSPENDED, READY, Column("MESSAGE", _short_message)),
    _revision_line,
)
GIT_REPOSITORY = CliKind(
    "GitRepository",
    "source",
    "git",
    "source git",
    "gitrepositories.source.toolkit.fluxcd.io",
    (Column("REVISION", _revision), SUSPENDED, READY, Column("MESSAGE", _short_message)),
    _revision_line,
)
IMAGE_REPOSITORY = CliKind(
    "ImageRepository",
    "image",
    "repository",
    "image repository",
    "imagerepositories.image.toolkit.fluxcd.io",
    (Column("LAST SCAN", _scan_time), SUSPENDED, READY, MESSAGE),
    _scan_line,
)
IMAGE_POLICY = CliKind(
    "ImagePolicy",
    "image",
    "policy",
    "image policy",
    "imagepolicies.image.toolkit.fluxcd.io",
    (
        Column("IMAGE", lambda o: str((o.status.get("latestRef") or {}).get("name", ""))),
        Column("TAG", lambda o: str((o.status.get("latestRef") or {}).get("tag", ""))),
        READY,
        MESSAGE,
    ),
    _policy_line,
    source_ref=_policy_repository,
)
IMAGE_UPDATE = CliKind(
    "ImageUpdateAutomation",
    "image",
    "update",
    "image update automation",
    "imageupdateautomations.image.toolkit.fluxcd.io",
    (Column("LAST RUN", _run_time), SUSPENDED, READY, MESSAGE),
    _automation_line,
    source_ref=_automation_source,
)
RECEIVER = CliKind(
    "Receiver",
    None,
    "receiver",
    "receiver",
    "receivers.notification.toolkit.fluxcd.io",
    (SUSPENDED, READY, MESSAGE),
    _receiver_line,
    aliases=("receivers",),
)

ALERT = CliKind(
    "Alert",
    None,
    "alert",
    "alert",
    "alerts.notification.toolkit.fluxcd.io",
    (SUSPENDED, Column("READY", lambda _o: "True"), Column("MESSAGE", lambda _o: "Alert is Ready")),
    aliases=("alerts",),
)
PROVIDER = CliKind(
    "Provider",
    None,
    "alert-provider",
    "alert provider",
    "providers.notification.toolkit.fluxcd.io",
    (Column("READY", lambda _o: "True"), Column("MESSAGE", lambda _o: "Provider is Ready")),
    aliases=("alert-providers",),
)

#: In ``get all`` order. Sources first (flux: OCIRepository, Bucket, GitRepository, ...), then
#: the image kinds, then the notification kinds (Receiver, Provider, Alert).
KINDS: tuple[CliKind, ...] = (
    OCI_REPOSITORY,
    GIT_REPOSITORY,
    IMAGE_REPOSITORY,
    IMAGE_POLICY,
    IMAGE_UPDATE,
    RECEIVER,
    PROVIDER,
    ALERT,
)

BY_KIND = {k.kind: k for k in KINDS}


def in_group(group: str) -> tuple[CliKind, ...]:
    return tuple(k for k in KINDS if k.group == group)


def top_level() -> tuple[CliKind, ...]:
    return tuple(k for k in KINDS if k.group is None)
