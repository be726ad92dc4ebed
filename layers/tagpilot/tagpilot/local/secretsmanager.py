"""An embedded AWS Secrets Manager endpoint for the local stack.

It speaks the subset of the Secrets Manager JSON protocol tagpilot uses (``CreateSecret``,
``PutSecretValue``, ``GetSecretValue``, ``DeleteSecret``, ``ListSecrets``), so the same
:class:`~tagpilot.store.secrets.SecretStore` code runs locally and in AWS. It listens on 127.0.0.1
only, accepts only requests signed with the local stack's random access key, and keeps secrets in
a file readable by the owner only (mode 0600).
"""

from __future__ import annotations

import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


class _Vault:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text()))
        except FileNotFoundError:
            return {}

    def save(self, data: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)


class _Error(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _dispatch(vault: _Vault, action: str, body: dict[str, Any]) -> dict[str, Any]:
    with vault.lock:
        data = vault.load()
        sid = str(body.get("SecretId") or body.get("Name") or "")
        if action == "ListSecrets":
            prefixes = [
                v
                for f in body.get("Filters", [])
                if f.get("Key") == "name"
                for v in f.get("Values", [])
            ]
            names = sorted(
                n for n in data if not prefixes or any(n.startswith(p) for p in prefixes)
            )
            return {"SecretList": [{"Name": n, "ARN": _arn(n)} for n in names]}
        if not sid:
            raise _Error("InvalidParameterException", "SecretId is required")
        if action == "CreateSecret":
            if sid in data:
                raise _Error("ResourceExistsException", f"the secret {sid} already exists")
            data[sid] = str(body.get("SecretString", ""))
            vault.save(data)
            return {"ARN": _arn(sid), "Name": sid, "VersionId": "1"}
        if sid not in data:
            raise _Error(
                "ResourceNotFoundException", "Secrets Manager can't find the specified secret."
            )
        if action == "GetSecretValue":
            return {"ARN": _arn(sid), "Name": sid, "SecretString": data[sid], "VersionId": "1"}
        if action == "PutSecretValue":
            data[sid] = str(body.get("SecretString", ""))
            vault.save(data)
            return {"ARN": _arn(sid), "Name": sid, "VersionId": "1"}
        if action == "DeleteSecret":
            del data[sid]
            vault.save(data)
            return {"ARN": _arn(sid), "Name": sid}
        raise _Error("InvalidAction", f"{action} is not supported by the local endpoint")


def _arn(name: str) -> str:
    return f"arn:aws:secretsmanager:us-east-1:000000000000:secret:{name}"


def make_server(path: Path, access_key: str, port: int = 0) -> ThreadingHTTPServer:
    """Create (not start) the endpoint; ``server.server_address[1]`` is its port."""
    vault = _Vault(path)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            target = self.headers.get("X-Amz-Target", "")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            try:
                if not match or match.group(1) != access_key:
                    raise _Error("UnrecognizedClientException", "invalid local credentials", 403)
                if not target.startswith("secretsmanager."):
                    raise _Error("InvalidAction", "unknown target")
                result = _dispatch(vault, target.split(".", 1)[1], json.loads(raw or b"{}"))
                self._send(200, result)
            except _Error as err:
                self._send(err.status, {"__type": err.code, "message": err.message})
            except ValueError:
                self._send(400, {"__type": "SerializationException", "message": "invalid JSON"})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)
