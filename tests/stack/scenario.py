"""Helpers the scenarios share: apply manifests as a CLI user, the fleet repository, Git."""

from __future__ import annotations

import subprocess
from typing import Any

from tagpilot.api.loader import parse_documents, validate_document
from tagpilot.reconcile.apply import apply_documents

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: {image}:1.0.0 # {{"$imagepolicy": "{namespace}:app"}}
"""

MANIFESTS = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: app
  namespace: {namespace}
  labels: {{tagpilot.example/webhook: registry}}
spec:
  image: {image}
  interval: {interval}
  insecure: true
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {{name: app, namespace: {namespace}}}
spec:
  imageRepositoryRef: {{name: app}}
  policy:
    semver: {{range: ">=1.0.0"}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: fleet, namespace: {namespace}}}
spec:
  url: {git_url}
  interval: 5m
  ref: {{branch: main}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {{name: {automation}, namespace: {namespace}}}
spec:
  interval: 30m
  sourceRef: {{kind: GitRepository, name: fleet}}
  git:
    commit:
      author: {{name: tagpilot, email: tagpilot@example.com}}
  update: {{path: ./deploy, strategy: Setters}}
"""


def apply(operator: Any, text: str) -> list[str]:
    """``tagpilot apply -f`` as a CLI user would, against the stack's tables and secrets."""
    docs = [
        validate_document("scenario", i, doc, "default")
        for i, doc in enumerate(parse_documents("scenario", text), start=1)
    ]
    invalid = [d.describe() for d in docs if not d.valid]
    assert not invalid, invalid
    return apply_documents(operator, docs)


def fleet(git: Any, image: str, namespace: str) -> None:
    deployment = DEPLOYMENT.format(image=image, namespace=namespace)
    git.create_repo("fleet.git", {"deploy/app.yaml": deployment.encode()})


def manifests(
    image: str, git_url: str, namespace: str, *, interval: str = "5m", automation: str = "app"
) -> str:
    return MANIFESTS.format(
        image=image,
        git_url=git_url,
        namespace=namespace,
        interval=interval,
        automation=automation,
    )


def git(server: Any, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(server.repo_path("fleet.git")), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def deployed_tag(server: Any) -> str:
    text = git(server, "show", "main:deploy/app.yaml")
    return text.split("image: ", 1)[1].split(" #", 1)[0].rsplit(":", 1)[1]


def commits(server: Any) -> list[str]:
    return git(server, "log", "--format=%s", "main").splitlines()


class SilentServer:
    """A TCP server that accepts connections and never answers (a registry that hangs)."""

    def __init__(self) -> None:
        import socket
        import threading

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._conns: list[Any] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._conns.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in self._conns:
            conn.close()


class ForwardProxy:
    """An HTTP forward proxy that sends every request, whatever its host, to one registry.

    Stands in for the network path to ECR: the ImageRepository keeps its real ECR name (so the
    push event finds it and the ECR token is requested for it) and reaches the local registry
    through its ``proxySecretRef``.
    """

    def __init__(self, target: str) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        self.requests: list[tuple[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                url = urlsplit(self.path)
                proxy.requests.append((url.netloc, url.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection(target, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = target
                path = url.path + (f"?{url.query}" if url.query else "")
                conn.request(self.command, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_HEAD = _forward  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
