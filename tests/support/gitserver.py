"""A real smart-HTTP Git server for tests: ``git http-backend`` behind a small threaded CGI host.

Usage::

    with GitServer(username="bot", password="s3cret") as server:
        server.create_repo("app.git", {"deploy.yaml": b"..."})
        url = server.url_for("app.git")

The host checks Basic or Bearer credentials (then sets ``REMOTE_USER``), decodes chunked and
gzip request bodies, passes the ``Git-Protocol`` header on as ``GIT_PROTOCOL``, sets
``TCP_NODELAY`` (else keep-alive responses gain ~40 ms) and can serve TLS with a test CA.
"""

from __future__ import annotations

import base64
import gzip
import hmac
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.support import gitfixtures
from tests.support.tls import make_certificates


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: str
    status: int
    user: str | None


def _backend() -> str:
    exec_path = subprocess.run(
        ["git", "--exec-path"], capture_output=True, check=True, text=True
    ).stdout.strip()
    return str(Path(exec_path) / "git-http-backend")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet: tests assert on server.requests instead

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _authenticate(self) -> tuple[bool, str | None]:
        cfg = self.server.git
        header = self.headers.get("Authorization", "")
        if cfg.bearer_token is not None:
            ok = header.startswith("Bearer ") and hmac.compare_digest(
                header[7:].encode(), cfg.bearer_token.encode()
            )
            return ok, "bearer" if ok else None
        if cfg.username is not None:
            if not header.startswith("Basic "):
                return False, None
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False, None
            ok = hmac.compare_digest(user.encode(), cfg.username.encode()) and hmac.compare_digest(
                password.encode(), (cfg.password or "").encode()
            )
            return ok, user if ok else None
        return True, None

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline().split(b";")[0].strip()
                size = int(size_line, 16)
                if size == 0:
                    # trailer section ends with an empty line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(chunks)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        return body

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        body = self._read_body() if self.command == "POST" else b""
        ok, user = self._authenticate()
        if not ok:
            self._reply(401, {"WWW-Authenticate": 'Basic realm="git"'}, b"unauthorized\n", user)
            return
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.server.git.root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_PROJECT_ROOT": str(self.server.git.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "PATH_INFO": unquote(parts.path),
            "QUERY_STRING": parts.query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if user:
            env["REMOTE_USER"] = user
        if proto := self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = proto
        proc = subprocess.run(
            [self.server.git.backend], input=body, env=env, capture_output=True, check=False
        )
        head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, sep, payload = proc.stdout.partition(b"\n\n")
        status = 200
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers[name.strip()] = value.strip()
        if not sep:
            status, payload = 500, proc.stderr
        self._reply(status, headers, payload, user)

    def _reply(
        self, status: int, headers: Mapping[str, str], payload: bytes, user: str | None
    ) -> None:
        parts = urlsplit(self.path)
        self.server.git.requests.append(
            RequestRecord(self.command, parts.path, parts.query, status, user)
        )
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    git: GitServer


class GitServer:
    """Host bare repositories under a temp root over smart HTTP(S) on 127.0.0.1.

    Parameters
    ----------
    username, password:
        Require HTTP Basic credentials.
    bearer_token:
        Require ``Authorization: Bearer <token>`` instead.
    tls:
        Serve HTTPS with a certificate from a fresh test CA (:attr:`ca_pem`).
    """

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        bearer_token: str | None = None,
        tls: bool = False,
        root: Path | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self.bearer_token = bearer_token
        self.tls = tls
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="gitserver-"))
        self.backend = _backend()
        self.requests: list[RequestRecord] = []
        self.ca_pem: bytes | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> GitServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.git = self
        if self.tls:
            tls_dir = self.root.parent / (self.root.name + "-tls")
            tls_dir.mkdir(exist_ok=True)
            certs = make_certificates(tls_dir)
            self.ca_pem = certs.ca_pem
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certs.cert_file, certs.key_file)
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)
            shutil.rmtree(self.root.parent / (self.root.name + "-tls"), ignore_errors=True)

    def __enter__(self) -> GitServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    def url_for(self, repo: str) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/{repo}"

    def repo_path(self, repo: str) -> Path:
        return self.root / repo

    def create_repo(
        self,
        name: str,
        files: Mapping[str, bytes],
        branch: str = "main",
        *,
        push_options: bool = False,
    ) -> Path:
        """Create a bare repository with one commit holding ``files`` on ``branch``."""
        path = self.root / name
        gitfixtures.init_bare(path, branch, push_options=push_options)
        gitfixtures.commit_files(path, files, branch, "initial commit")
        return path

    def push_commit(
        self,
        repo: str,
        files: Mapping[str, bytes | None],
        branch: str = "main",
        message: str = "concurrent commit",
    ) -> str:
        """Commit and push like another user would (git CLI, straight to the bare repo)."""
        return gitfixtures.commit_files(self.root / repo, files, branch, message)
