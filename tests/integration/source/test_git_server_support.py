"""The test Git server itself: real git clients, chunked and gzip bodies, Git-Protocol."""

from __future__ import annotations

import gzip
import http.client
from pathlib import Path

import pytest

from tests.support import gitfixtures
from tests.support.gitserver import GitServer

pytestmark = pytest.mark.integration


def _pkt(line: bytes) -> bytes:
    return f"{len(line) + 4:04x}".encode() + line


def test_git_cli_clones_and_pushes_with_basic_auth(tmp_path: Path) -> None:
    with GitServer(username="bot", password="pw") as server:
        server.create_repo("app.git", {"a.txt": b"1\n"})
        url = server.url_for("app.git").replace("http://", "http://bot:pw@")
        env = gitfixtures.git_env(tmp_path)
        work = tmp_path / "clone"
        gitfixtures.git("-c", "protocol.version=2", "clone", "--quiet", url, str(work), env=env)
        assert (work / "a.txt").read_bytes() == b"1\n"
        (work / "b.txt").write_bytes(b"2\n")
        gitfixtures.git("add", "b.txt", cwd=work, env=env)
        gitfixtures.git("commit", "--quiet", "-m", "b", cwd=work, env=env)
        gitfixtures.git("push", "--quiet", "origin", "HEAD:main", cwd=work, env=env)
        assert gitfixtures.read_file(server.repo_path("app.git"), "main", "b.txt") == b"2\n"
        # Protocol v2 was negotiated through the Git-Protocol header.
        assert any(r.query == "service=git-upload-pack" for r in server.requests)


def test_git_cli_refused_without_credentials(tmp_path: Path) -> None:
    with GitServer(username="bot", password="pw") as server:
        server.create_repo("app.git", {"a.txt": b"1\n"})
        env = gitfixtures.git_env(tmp_path)
        env["GIT_TERMINAL_PROMPT"] = "0"
        with pytest.raises(RuntimeError, match="Authentication failed|could not read Username"):
            gitfixtures.git("clone", server.url_for("app.git"), str(tmp_path / "c"), env=env)
        assert [r.status for r in server.requests] == [401]


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("gzipped", [False, True])
def test_upload_pack_body_encodings(git_server: GitServer, chunked: bool, gzipped: bool) -> None:
    git_server.create_repo("app.git", {"a.txt": b"1\n"})
    head = gitfixtures.rev_parse(git_server.repo_path("app.git"), "main")
    # A protocol v2 ls-refs request, the smallest real upload-pack POST.
    body = _pkt(b"command=ls-refs\n") + b"0001" + _pkt(b"peel\n") + b"0000"
    if gzipped:
        body = gzip.compress(body)
    conn = http.client.HTTPConnection("127.0.0.1", git_server.port, timeout=10)
    headers = {
        "Content-Type": "application/x-git-upload-pack-request",
        "Git-Protocol": "version=2",
    }
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    if chunked:
        conn.request(
            "POST",
            "/app.git/git-upload-pack",
            body=iter([body[:7], body[7:]]),
            headers=headers,
            encode_chunked=True,
        )
    else:
        conn.request("POST", "/app.git/git-upload-pack", body=body, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    assert resp.status == 200
    assert f"{head} refs/heads/main".encode() in payload
