"""A local stand-in for Docker Hub's tag listing API (``hub.docker.com``).

``GET /v2/namespaces/<ns>/repositories/<repo>/tags?page_size=N&page=P`` answers like Docker
Hub: ``{"count", "next", "previous", "results": [{"name", "digest", "last_updated",
"tag_last_pushed", "tag_status", ...}]}`` with absolute ``next`` URLs, newest push first, and
404 ``{"message": "object not found"}`` for an unknown repository. ``hits`` counts requests.
Optional ``ratelimit`` headers (``ratelimit-limit: 100;w=21600``) like the real service.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def rfc3339(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(epoch))


class DockerHubStandIn:
    """``repos``: ``"ns/repo" -> {tag: (digest, pushed epoch)}``; mutate it between calls."""

    def __init__(self, repos: dict[str, dict[str, tuple[str, float]]] | None = None) -> None:
        self.repos = repos if repos is not None else {}
        self.hits = 0
        self.remaining: int | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.hits += 1
                parts = urlsplit(self.path)
                segs = parts.path.strip("/").split("/")
                query = parse_qs(parts.query)
                if len(segs) != 6 or segs[:2] != ["v2", "namespaces"] or segs[5] != "tags":
                    return self._send(404, {"message": "page not found"})
                repo = outer.repos.get(f"{segs[2]}/{segs[4]}")
                if segs[3] != "repositories" or repo is None:
                    return self._send(404, {"message": "object not found", "errinfo": {}})
                size = min(int(query.get("page_size", ["10"])[0]), 100)
                page = int(query.get("page", ["1"])[0])
                ordered = sorted(repo.items(), key=lambda kv: (-kv[1][1], kv[0]))
                chunk = ordered[(page - 1) * size : page * size]
                base = f"http://{self.headers['Host']}{parts.path}"
                more = page * size < len(ordered)
                body = {
                    "count": len(ordered),
                    "next": f"{base}?page={page + 1}&page_size={size}" if more else None,
                    "previous": f"{base}?page={page - 1}&page_size={size}" if page > 1 else None,
                    "results": [
                        {
                            "name": tag,
                            "digest": digest,
                            "last_updated": rfc3339(at),
                            "tag_last_pushed": rfc3339(at),
                            "tag_last_pulled": None,
                            "tag_status": "active",
                            "media_type": "application/vnd.oci.image.index.v1+json",
                            "content_type": "image",
                        }
                        for tag, (digest, at) in chunk
                    ],
                }
                return self._send(200, body)

            def _send(self, code: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if outer.remaining is not None:
                    self.send_header("ratelimit-limit", "100;w=21600")
                    self.send_header("ratelimit-remaining", f"{outer.remaining};w=21600")
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> DockerHubStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
