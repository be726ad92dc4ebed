"""Debian's ``docker-registry`` (CNCF distribution 2.8) as a test service, plus an image pusher.

``RegistryServer`` writes a config (JSON is valid YAML) with filesystem storage in a temporary
directory, ``delete: enabled`` and a free 127.0.0.1 port, and optionally htpasswd (bcrypt via
``htpasswd -Bbn``), TLS (certificates from :mod:`tests.support.certs`, optional client
certificates) or token auth (a :class:`tests.support.tokenissuer.TokenIssuer`). It waits until
``/v2/`` answers and stops cleanly.

``push_image`` uploads a tiny config and layer blob (monolithic POST + PUT) and PUTs one OCI or
Docker schema 2 manifest under every tag, in parallel.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.support.certs import TestPKI
from tests.support.ports import listened_by
from tests.support.tokenissuer import TokenIssuer

#: Users of the htpasswd and token-auth test registries.
TEST_USERS = {"alice": "wonderland-pw"}
REGISTRY_BINARY = os.environ.get("TAGPILOT_REGISTRY_BINARY", "/usr/bin/docker-registry")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
_OCI = "application/vnd.oci.image"
_DOCKER = "application/vnd.docker"
_MEDIA = {  # manifest type -> (config type, layer type)
    OCI_MANIFEST: (f"{_OCI}.config.v1+json", f"{_OCI}.layer.v1.tar+gzip"),
    DOCKER_MANIFEST: (
        f"{_DOCKER}.container.image.v1+json",
        f"{_DOCKER}.image.rootfs.diff.tar.gzip",
    ),
}


def _scratch_root() -> str | None:
    """Where registry storage goes: tmpfs when available (10,000 tag directories on a disk
    take ~25 s to write and ~8 s to delete; on /dev/shm ~1 s each)."""
    configured = os.environ.get("TAGPILOT_REGISTRY_TMP")
    if configured:
        return configured
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RegistryServer:
    """A running ``docker-registry serve``.

    Parameters
    ----------
    htpasswd:
        ``{user: password}`` for htpasswd (Basic) auth.
    tls:
        Serve HTTPS with ``tls.server``; clients must trust ``tls.ca``.
    require_client_cert:
        With ``tls``: only accept clients presenting a certificate issued by ``tls.ca``.
    token:
        A started :class:`TokenIssuer` for ``auth: token``.
    """

    def __init__(
        self,
        *,
        htpasswd: Mapping[str, str] | None = None,
        tls: TestPKI | None = None,
        require_client_cert: bool = False,
        token: TokenIssuer | None = None,
    ) -> None:
        if htpasswd and token:
            raise ValueError("choose htpasswd or token auth, not both")
        self.htpasswd = dict(htpasswd or {})
        self.tls = tls
        self.require_client_cert = require_client_cert
        self.token = token
        self.port = 0
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the registry part of image names."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """``http(s)://127.0.0.1:<port>``."""
        return f"{'https' if self.tls else 'http'}://{self.host}"

    @property
    def storage(self) -> Path:
        """The filesystem storage root."""
        assert self._dir is not None
        return self._dir / "storage"

    def verify(self) -> str | bool:
        """``requests`` ``verify`` value for this server (the CA file, or True)."""
        assert self._dir is not None
        return str(self._dir / "ca.crt") if self.tls else True

    def client_cert(self) -> tuple[str, str] | None:
        """``requests`` ``cert`` value when the server requires client certificates."""
        assert self._dir is not None
        if self.tls and self.require_client_cert:
            return str(self._dir / "client.crt"), str(self._dir / "client.key")
        return None

    def _config(self) -> dict[str, object]:
        assert self._dir is not None
        http: dict[str, object] = {"addr": self.host, "secret": "tagpilot-test-secret"}
        if self.tls:
            cert, key = self.tls.server.write(self._dir, "server")
            (self._dir / "ca.crt").write_bytes(self.tls.ca.cert_pem)
            self.tls.client.write(self._dir, "client")
            tls: dict[str, object] = {"certificate": str(cert), "key": str(key)}
            if self.require_client_cert:
                tls["clientcas"] = [str(self._dir / "ca.crt")]
            http["tls"] = tls
        config: dict[str, object] = {
            "version": 0.1,
            "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.storage)},
                "delete": {"enabled": True},
                "maintenance": {"uploadpurging": {"enabled": False}},
            },
            "http": http,
            "health": {"storagedriver": {"enabled": False}},
        }
        if self.htpasswd:
            lines = [_bcrypt_line(user, pw) for user, pw in self.htpasswd.items()]
            (self._dir / "htpasswd").write_text("".join(lines))
            config["auth"] = {
                "htpasswd": {"realm": "tagpilot-test", "path": str(self._dir / "htpasswd")}
            }
        elif self.token:
            config["auth"] = {
                "token": {
                    "realm": self.token.realm,
                    "service": self.token.service,
                    "issuer": self.token.issuer,
                    "rootcertbundle": str(self.token.rootcertbundle),
                }
            }
        return config

    def start(self, timeout: float = 15.0) -> RegistryServer:
        """Start the registry and wait for ``/v2/`` (3 tries: a free port can be taken)."""
        self._dir = Path(tempfile.mkdtemp(prefix="tagpilot-registry-", dir=_scratch_root()))
        for _attempt in range(3):
            self.port = free_port()
            config_path = self._dir / "config.yml"
            config_path.write_text(json.dumps(self._config(), indent=1))
            self._log = self._dir / "registry.log"
            with self._log.open("wb") as log:
                self._proc = subprocess.Popen(
                    [REGISTRY_BINARY, "serve", str(config_path)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                )
            # Ready, and on its own port: another process may have taken the port between
            # free_port() and the registry's bind, and would answer the readiness poll.
            if self._wait_ready(timeout) and listened_by(self._proc.pid, self.port) is not False:
                return self
            self._terminate()
        log_text = self._log.read_text(errors="replace")[-2000:] if self._log else ""
        self.stop()
        raise RuntimeError(f"docker-registry did not become ready:\n{log_text}")

    def _wait_ready(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self._proc is not None
            if self._proc.poll() is not None:
                return False
            try:
                resp = requests.get(
                    f"{self.url}/v2/", verify=self.verify(), cert=self.client_cert(), timeout=1
                )
                if resp.status_code in (200, 401):
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False

    def _terminate(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        self._proc = None

    def stop(self) -> None:
        """Stop the process and delete the storage."""
        self._terminate()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> RegistryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def session(self) -> requests.Session:
        """A ``requests`` session trusting this server (and presenting the client cert)."""
        session = requests.Session()
        # trust_env would let REQUESTS_CA_BUNDLE override session.verify (requests#3829).
        session.trust_env = False
        session.verify = self.verify()
        session.cert = self.client_cert()
        return session


def _bcrypt_line(user: str, password: str) -> str:
    proc = subprocess.run(
        ["htpasswd", "-Bbn", user, password], capture_output=True, check=True, timeout=30
    )
    return proc.stdout.decode().strip() + "\n"


class _Pusher:
    """Pushes with Basic or Bearer (scope ``pull,push``) auth, one session per thread."""

    def __init__(
        self,
        base_url: str,
        repo: str,
        session: requests.Session | None,
        auth: tuple[str, str] | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.repo = repo
        self.auth = auth
        self._template = session
        self._local = threading.local()
        self._authorization: str | None = None
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            if self._template is not None:
                session.trust_env = self._template.trust_env
                session.verify = self._template.verify
                session.cert = self._template.cert
            self._local.session = session
        return session

    def request(
        self,
        method: str,
        url: str,
        data: bytes | None = None,
        content_type: str = "",
        accept: str = "",
    ) -> requests.Response:
        url = urljoin(self.base_url + "/", url)
        headers = {"Content-Type": content_type} if content_type else {}
        if accept:
            headers["Accept"] = accept
        for _ in range(2):
            if self._authorization:
                headers["Authorization"] = self._authorization
            resp = self._session().request(method, url, headers=headers, data=data, timeout=30)
            if resp.status_code != 401:
                return resp
            self._login(resp.headers.get("WWW-Authenticate", ""))
        return resp

    def _login(self, challenge: str) -> None:
        with self._lock:
            if challenge.lower().startswith("basic"):
                if self.auth is None:
                    raise RuntimeError("registry wants Basic auth; pass auth=(user, password)")
                raw = f"{self.auth[0]}:{self.auth[1]}".encode()
                self._authorization = "Basic " + base64.b64encode(raw).decode()
                return
            params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
            scope = f"repository:{self.repo}:pull,push"
            query = {"service": params.get("service", ""), "scope": scope}
            resp = self._session().get(params["realm"], params=query, auth=self.auth, timeout=30)
            resp.raise_for_status()
            body = resp.json()
            self._authorization = f"Bearer {body.get('token') or body.get('access_token')}"

    def blob(self, data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if self.request("HEAD", f"/v2/{self.repo}/blobs/{digest}").status_code == 200:
            return digest
        start = self.request("POST", f"/v2/{self.repo}/blobs/uploads/")
        if start.status_code != 202:
            raise RuntimeError(f"blob upload start: {start.status_code} {start.text}")
        location = urljoin(self.base_url + "/", start.headers["Location"])
        sep = "&" if "?" in location else "?"
        done = self.request(
            "PUT",
            f"{location}{sep}digest={digest}",
            data=data,
            content_type="application/octet-stream",
        )
        if done.status_code != 201:
            raise RuntimeError(f"blob upload: {done.status_code} {done.text}")
        return digest

    def manifest(self, tag: str, body: bytes, media_type: str) -> None:
        resp = self.request(
            "PUT",
            f"/v2/{self.repo}/manifests/{tag}",
            data=body,
            content_type=media_type,
        )
        if resp.status_code != 201:
            raise RuntimeError(f"manifest {tag}: {resp.status_code} {resp.text}")


def push_image(
    base_url: str,
    repo: str,
    tags: Iterable[str],
    *,
    session: requests.Session | None = None,
    auth: tuple[str, str] | None = None,
    media_type: str = OCI_MANIFEST,
    variant: str = "",
    workers: int = 8,
    created: str | None = None,
) -> str:
    """Push one tiny image to ``repo`` under every tag; return the manifest digest.

    ``session`` supplies ``verify``/``cert`` for TLS registries; ``auth`` is used for Basic
    challenges and for Bearer token requests (scope ``pull,push``). ``variant`` changes the
    config blob, hence the digest; so does ``created`` (the config's build time).
    """
    config_type, layer_type = _MEDIA[media_type]
    pusher = _Pusher(base_url, repo, session, auth)
    layer = b"tagpilot test layer\n"
    rootfs = {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}
    config_doc = {"architecture": "amd64", "os": "linux", "rootfs": rootfs}
    config_doc["config"] = {"Labels": {"variant": variant}}
    if created is not None:  # the build time (RFC 3339), as image builders write it
        config_doc["created"] = created
    config = json.dumps(config_doc, sort_keys=True).encode()
    config_desc, layer_desc = (
        {"mediaType": kind, "digest": pusher.blob(data), "size": len(data)}
        for data, kind in ((config, config_type), (layer, layer_type))
    )
    manifest_doc = {"schemaVersion": 2, "mediaType": media_type, "config": config_desc}
    manifest_doc["layers"] = [layer_desc]
    manifest = json.dumps(manifest_doc, indent=3).encode()
    tag_list = list(tags)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(tag_list)))) as pool:
        for future in [pool.submit(pusher.manifest, tag, manifest, media_type) for tag in tag_list]:
            future.result()
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


def seed_tags(server: RegistryServer, repo: str, tags: Iterable[str], from_tag: str) -> int:
    """Copy ``from_tag``'s tag directory in the registry's storage to every tag in ``tags``.

    The result is exactly what ``PUT /v2/<repo>/manifests/<tag>`` writes (``current/link`` and
    ``index/<alg>/<hex>/link``), but 10,000 tags take well under a second instead of ~15 s.
    Push ``from_tag`` with :func:`push_image` first. Returns the number of tags written.
    """
    tags_dir = server.storage / "docker/registry/v2/repositories" / repo / "_manifests/tags"
    source = tags_dir / from_tag
    if not (source / "current" / "link").is_file():
        raise FileNotFoundError(f"tag {from_tag} of {repo} is not in the registry storage")
    link = (source / "current" / "link").read_bytes()
    index_link = next((source / "index").glob("*/*/link"))
    index_rel = index_link.relative_to(source)
    count = 0
    for tag in tags:
        target = tags_dir / tag
        (target / "current").mkdir(parents=True, exist_ok=True)
        (target / "current" / "link").write_bytes(link)
        (target / index_rel).parent.mkdir(parents=True, exist_ok=True)
        (target / index_rel).write_bytes(link)
        count += 1
    return count
