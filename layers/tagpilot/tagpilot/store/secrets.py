"""Kubernetes Secrets kept in AWS Secrets Manager, by reference.

Naming scheme: ``<prefix><namespace>/<name>`` (prefix ``tagpilot/<stage>/``), e.g.
``tagpilot/dev/flux-system/regcred``, is the Secret as applied (read by the CLI only). Each use
gets its own copy, ``<prefix>_<use>/<namespace>/<name>`` with use ``registry`` (ImageRepository
references), ``git`` (GitRepository and signing-key references), ``receiver`` (Receiver tokens) or
``provider`` (Alert Provider tokens, addresses, certificates, proxies), so that each function's
role can read only the prefix of its use: the public webhook function reads Receiver tokens and
nothing else, the delivery function Provider secrets and nothing else. The leading ``_``
cannot start a Kubernetes namespace, so a use prefix never collides with a namespace. The secret
string is JSON ``{"type": "<kubernetes secret type>", "data": {"<key>": "<value>"}}``. Values
are never logged or printed; errors name the secret, never its content.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tagpilot.store.errors import SecretNotFoundError, StoreError

#: The uses a Secret can be copied for; each is one IAM prefix (see template.yaml).
USES = ("registry", "git", "receiver", "provider")


@dataclass(frozen=True)
class SecretData:
    type: str
    data: dict[str, str]

    def __repr__(self) -> str:  # never show values
        return f"SecretData(type={self.type!r}, keys={sorted(self.data)!r})"


class SecretStore:
    """Read and write Secrets through an injected ``secretsmanager`` client.

    Reads are cached for ``cache_seconds`` so a batch of scans does not read the same secret once
    per repository.
    """

    def __init__(
        self,
        client: Any,
        prefix: str,
        *,
        cache_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._cache: dict[str, tuple[float, SecretData]] = {}
        self._ttl = cache_seconds
        self._clock = clock

    def use_client(self, client: Any) -> None:
        """Talk to the service through ``client`` from now on (the local stack moved)."""
        self._client = client
        self._cache.clear()

    def secret_id(self, namespace: str, name: str, use: str | None = None) -> str:
        if use is None:
            return f"{self._prefix}{namespace}/{name}"
        if use not in USES:
            raise ValueError(f"unknown secret use {use!r}")
        return f"{self._prefix}_{use}/{namespace}/{name}"

    def put(
        self,
        namespace: str,
        name: str,
        secret_type: str,
        data: dict[str, str],
        uses: tuple[str, ...] = (),
    ) -> str:
        """Create or update the Secret (and its copies for ``uses``).

        Returns ``created``, ``configured`` or ``unchanged`` for the Secret itself.
        """
        body = json.dumps({"type": secret_type, "data": data}, sort_keys=True)
        action = self._write(self.secret_id(namespace, name), body)
        for use in uses:
            self._write(self.secret_id(namespace, name, use), body)
        return action

    def put_use(self, namespace: str, name: str, use: str) -> str | None:
        """Copy the applied Secret to its ``use`` prefix; ``None`` if there is no such Secret."""
        try:
            raw = self._client.get_secret_value(SecretId=self.secret_id(namespace, name))
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return None
            raise StoreError(f"read secret {namespace}/{name} failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(
                f"read secret {namespace}/{name} failed: {type(exc).__name__}"
            ) from exc
        return self._write(self.secret_id(namespace, name, use), raw["SecretString"])

    def _write(self, sid: str, body: str) -> str:
        self._cache.pop(sid, None)
        try:
            current = self._client.get_secret_value(SecretId=sid)["SecretString"]
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise StoreError(f"read secret {sid} failed: {_code(exc)}") from exc
            current = None
        except BotoCoreError as exc:
            raise StoreError(f"read secret {sid} failed: {type(exc).__name__}") from exc
        try:
            if current is None:
                self._client.create_secret(
                    Name=sid, SecretString=body, Tags=[{"Key": "managed-by", "Value": "tagpilot"}]
                )
                return "created"
            if current == body:
                return "unchanged"
            self._client.put_secret_value(SecretId=sid, SecretString=body)
            return "configured"
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(f"write secret {sid} failed: {_code(exc)}") from exc

    def get(self, namespace: str, name: str, use: str | None = None) -> SecretData:
        """Read the Secret's copy for ``use`` (``None``: the Secret as applied, CLI only)."""
        sid = self.secret_id(namespace, name, use)
        cached = self._cache.get(sid)
        if cached and self._clock() - cached[0] < self._ttl:
            return cached[1]
        try:
            raw = self._client.get_secret_value(SecretId=sid)["SecretString"]
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                raise SecretNotFoundError(f"secret '{namespace}/{name}' not found") from exc
            raise StoreError(f"read secret {namespace}/{name} failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreError(
                f"read secret {namespace}/{name} failed: {type(exc).__name__}"
            ) from exc
        try:
            parsed = json.loads(raw)
            value = SecretData(
                type=str(parsed["type"]), data={str(k): str(v) for k, v in parsed["data"].items()}
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"secret '{namespace}/{name}' is not in tagpilot's format") from exc
        self._cache[sid] = (self._clock(), value)
        return value

    def delete(self, namespace: str, name: str) -> bool:
        """Delete the Secret and every copy of it; ``False`` if the Secret did not exist."""
        for use in USES:
            self.delete_use(namespace, name, use)
        return self._delete(self.secret_id(namespace, name))

    def delete_use(self, namespace: str, name: str, use: str) -> bool:
        return self._delete(self.secret_id(namespace, name, use))

    def _delete(self, sid: str) -> bool:
        self._cache.pop(sid, None)
        try:
            self._client.delete_secret(SecretId=sid, ForceDeleteWithoutRecovery=True)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return False
            raise StoreError(f"delete secret {sid} failed: {_code(exc)}") from exc
        return True

    def list_names(
        self, namespace: str | None = None, use: str | None = None
    ) -> list[tuple[str, str]]:
        """``(namespace, name)`` of the applied Secrets, or of the copies for ``use``."""
        base = self._prefix if use is None else f"{self._prefix}_{use}/"
        prefix = base + (f"{namespace}/" if namespace else "")
        out: list[tuple[str, str]] = []
        try:
            pages = self._client.get_paginator("list_secrets").paginate(
                Filters=[{"Key": "name", "Values": [prefix]}]
            )
            for page in pages:
                for entry in page.get("SecretList", []):
                    rest = entry["Name"][len(base) :]
                    if entry["Name"].startswith(prefix) and "/" in rest and rest[0] != "_":
                        ns, name = rest.split("/", 1)
                        out.append((ns, name))
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(f"list secrets failed: {_code(exc)}") from exc
        return sorted(out)


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
