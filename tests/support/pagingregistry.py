"""A small OCI distribution test server for what docker-registry 2.8 cannot do.

Distribution 2.8 ignores ``?n=``/``?last=`` and never sends ``Link``; newer registries (distribution
v3, Docker Hub, GHCR, Harbor, ECR) paginate. ``PagingRegistry`` paginates ``tags/list`` like
distribution v3 (sorted tags, ``n``, ``last``, ``Link: </v2/<repo>/tags/list?last=X&n=N>;
rel="next"``), answers manifest ``HEAD``/``GET``, can require Basic or Bearer auth, and plays
back injected :class:`Fault` answers (401/403/404/429/5xx, malformed JSON, slow responses).
Every request is recorded for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from tests.support.tokenissuer import TokenIssuer


@dataclass
class Fault:
    """An injected answer for requests whose path contains ``path`` (all when empty).

    ``times`` answers are given (``None`` = forever); ``skip`` matching requests pass first.
    ``status=0`` with ``delay`` only slows the normal answer down.
    """

    status: int = 500
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    path: str = ""
    times: int | None = None
    skip: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]


class _NoDelayServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # Without TCP_NODELAY every keep-alive response waits ~40 ms for delayed ACKs.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()


class PagingRegistry:
    """A paginating registry on 127.0.0.1 (context manager, or ``start()``/``stop()``).

    Parameters
    ----------
    repos:
        ``{repository: [tags]}``.
    page_size:
        Page size when the client sends no ``n`` (and the cap for larger ``n``).
    link:
        ``"relative"`` (``</v2/...>``, distribution v3) or ``"absolute"`` (``<http://host/v2/...>``).
    basic:
        ``(user, password)`` required via a Basic challenge (ECR style), or ``None``.
    issuer:
        A started :class:`TokenIssuer`: require its bearer tokens (Bearer challenge).
    digests:
        ``{tag: digest}`` returned by manifest requests; ``omit_digest_header`` drops the
        ``Docker-Content-Digest`` header so clients must hash the body.
    """

    def __init__(
        self,
        repos: Mapping[str, list[str]],
        *,
        page_size: int = 100,
        link: str = "relative",
        basic: tuple[str, str] | None = None,
        issuer: TokenIssuer | None = None,
        manifests: Mapping[str, bytes] | None = None,
        omit_digest_header: bool = False,
    ) -> None:
        self.repos = {name: sorted(tags) for name, tags in repos.items()}
        self.page_size = page_size
        self.link = link
        self.basic = basic
        self.issuer = issuer
        self.manifests = dict(manifests or {})
        self.omit_digest_header = omit_digest_header
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: _NoDelayServer | None = None

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``."""
        assert self._server is not None, "server not started"
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}"

    def inject(self, fault: Fault) -> Fault:
        """Add a fault (checked in insertion order)."""
        with self._lock:
            self.faults.append(fault)
        return fault

    def start(self) -> PagingRegistry:
        """Listen on a free loopback port."""
        self._server = _NoDelayServer(("127.0.0.1", 0), self._handler())
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> PagingRegistry:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, path_part: str, method: str = "GET") -> int:
        """How many ``method`` requests had ``path_part`` in their path."""
        return sum(1 for r in self.requests if r.method == method and path_part in r.path)

    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path not in path or fault.times == 0:
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _authorized(self, header: str | None) -> bool:
        if self.basic is not None:
            raw = f"{self.basic[0]}:{self.basic[1]}".encode()
            return header == "Basic " + base64.b64encode(raw).decode()
        if self.issuer is not None:
            return header is not None and header.removeprefix("Bearer ") in self.issuer.issued
        return True

    def _challenge(self, repo: str) -> str:
        if self.issuer is not None:
            return (
                f'Bearer realm="{self.issuer.realm}",service="{self.issuer.service}",'
                f'scope="repository:{repo}:pull"'
            )
        return f'Basic realm="{self.url}/",service="paging-registry"'

    def tags_page(self, repo: str, query: Mapping[str, list[str]]) -> tuple[list[str], str | None]:
        """The tags after ``last`` (at most ``n``) and the next-page link, v3 style."""
        tags = self.repos[repo]
        size = min(int(query.get("n", [self.page_size])[0]), self.page_size)
        last = query.get("last", [""])[0]
        start = 0
        if last:
            start = next((i for i, tag in enumerate(tags) if tag > last), len(tags))
        page = tags[start : start + size]
        if start + size >= len(tags):
            return page, None
        target = f"/v2/{repo}/tags/list?last={quote(page[-1])}&n={size}"
        if self.link == "absolute":
            target = self.url + target
        return page, f'<{target}>; rel="next"'

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def _send(
                self, status: int, body: bytes = b"", headers: Mapping[str, str] = {}
            ) -> None:  # noqa: B006
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _error(
                self, status: int, code: str, message: str, headers: Mapping[str, str] = {}
            ) -> None:  # noqa: B006
                body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
                self._send(status, body, headers)

            def do_HEAD(self) -> None:  # noqa: N802
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802
                with registry._lock:
                    registry.requests.append(
                        RecordedRequest(self.command, self.path, dict(self.headers.items()))
                    )
                parts = urlsplit(self.path)
                fault = registry._fault_for(parts.path)
                if fault is not None:
                    time.sleep(fault.delay)
                    if fault.status:
                        self._send(fault.status, fault.body, fault.headers)
                        return
                segments = parts.path.split("/")
                if parts.path in ("/v2/", "/v2"):
                    self._send(200, b"{}")
                    return
                repo, kind, ref = self._route(segments)
                if not registry._authorized(self.headers.get("Authorization")):
                    self._error(
                        401,
                        "UNAUTHORIZED",
                        "authentication required",
                        {"WWW-Authenticate": registry._challenge(repo or "")},
                    )
                    return
                if repo is None or repo not in registry.repos:
                    self._error(404, "NAME_UNKNOWN", "repository name not known to registry")
                    return
                if kind == "tags":
                    page, link = registry.tags_page(repo, parse_qs(parts.query))
                    body = json.dumps({"name": repo, "tags": page}).encode()
                    self._send(200, body, {"Link": link} if link else {})
                    return
                manifest = registry.manifests.get(ref or "")
                if manifest is None:
                    self._error(404, "MANIFEST_UNKNOWN", "manifest unknown")
                    return
                headers = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
                if not registry.omit_digest_header:
                    headers["Docker-Content-Digest"] = (
                        "sha256:" + hashlib.sha256(manifest).hexdigest()
                    )
                self._send(200, manifest, headers)

            @staticmethod
            def _route(segments: list[str]) -> tuple[str | None, str, str | None]:
                # /v2/<repo...>/tags/list or /v2/<repo...>/manifests/<ref>
                if len(segments) >= 5 and segments[-2:] == ["tags", "list"]:
                    return "/".join(segments[2:-2]), "tags", None
                if len(segments) >= 5 and segments[-2] == "manifests":
                    return "/".join(segments[2:-2]), "manifests", segments[-1]
                return None, "", None

        return Handler
