"""Secure path joins, URL parsing and refspec parsing."""

from __future__ import annotations

import pytest
from tagpilot.source.errors import InvalidPathError, InvalidRefError, InvalidURLError
from tagpilot.source.paths import clean_path, join
from tagpilot.source.refspec import Refspec, parse_refspec, resolve_dst
from tagpilot.source.urls import parse_git_url

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", ""),
        (".", ""),
        ("/", ""),
        ("./clusters", "clusters"),
        ("/clusters/prod/", "clusters/prod"),
        ("clusters//prod", "clusters/prod"),
        ("../clusters", "clusters"),
        ("../../../etc/passwd", "etc/passwd"),
        ("clusters/../../secret", "secret"),
        ("a/./b/../c", "a/c"),
        ("//double", "double"),
        ("a\\b", "a\\b"),
    ],
)
def test_clean_path_cannot_escape(path: str, expected: str) -> None:
    assert clean_path(path) == expected


def test_clean_path_rejects_nul() -> None:
    with pytest.raises(InvalidPathError):
        clean_path("a\x00b")


@pytest.mark.parametrize(
    ("base", "rel", "expected"),
    [("", "a.yaml", "a.yaml"), ("/apps/", "x/a.yaml", "apps/x/a.yaml"), ("..", "a", "a")],
)
def test_join(base: str, rel: str, expected: str) -> None:
    assert join(base, rel) == expected


@pytest.mark.parametrize("rel", ["", "/abs", "../up", "a/../b", "a//b", "./a", "a/"])
def test_join_rejects_unclean_changed_paths(rel: str) -> None:
    with pytest.raises(InvalidPathError):
        join("apps", rel)


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port", "path", "user"),
    [
        ("https://github.com/org/repo.git", "https", "github.com", None, "/org/repo.git", None),
        ("http://127.0.0.1:8080/r.git", "http", "127.0.0.1", 8080, "/r.git", None),
        ("https://u:p@host/r", "https", "host", None, "/r", "u"),
        ("ssh://git@github.com/org/repo.git", "ssh", "github.com", None, "/org/repo.git", "git"),
        ("ssh://git@host:2222/srv/r.git", "ssh", "host", 2222, "/srv/r.git", "git"),
        ("git@github.com:org/repo.git", "ssh", "github.com", None, "org/repo.git", "git"),
        ("host.example:repo.git", "ssh", "host.example", None, "repo.git", None),
    ],
)
def test_parse_git_url(
    url: str, scheme: str, host: str, port: int | None, path: str, user: str | None
) -> None:
    parsed = parse_git_url(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.path, parsed.username) == (
        scheme,
        host,
        port,
        path,
        user,
    )
    assert "p@" not in parsed.display


@pytest.mark.parametrize(
    "url", ["file:///tmp/r.git", "git://host/r.git", "/local/path", "https:///nohost", "ftp://h/r"]
)
def test_parse_git_url_rejects(url: str) -> None:
    with pytest.raises(InvalidURLError):
        parse_git_url(url)


def test_display_hides_password() -> None:
    parsed = parse_git_url("https://bot:hunter2@example.com/r.git")
    assert parsed.display == "https://bot@example.com/r.git"
    assert "hunter2" not in repr(parsed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refs/heads/auto:refs/heads/main", Refspec("refs/heads/auto", "refs/heads/main")),
        ("+refs/heads/a:refs/heads/b", Refspec("refs/heads/a", "refs/heads/b", force=True)),
        ("HEAD:refs/for/main", Refspec("HEAD", "refs/for/main")),
        ("main", Refspec("main", "main")),
        (" auto:main ", Refspec("auto", "main")),
    ],
)
def test_parse_refspec(text: str, expected: Refspec) -> None:
    assert parse_refspec(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "+", ":refs/heads/main", "^refs/heads/x", "refs/heads/*:refs/heads/*", "a:b:c", "a:"],
)
def test_parse_refspec_rejects(text: str) -> None:
    with pytest.raises(InvalidRefError):
        parse_refspec(text)


@pytest.mark.parametrize(
    ("dst", "remote", "src", "expected"),
    [
        ("refs/for/main", set(), "HEAD", b"refs/for/main"),
        ("main", {b"refs/heads/main"}, "refs/heads/auto", b"refs/heads/main"),
        ("v1", {b"refs/tags/v1"}, "refs/heads/auto", b"refs/tags/v1"),
        ("new", set(), "HEAD", b"refs/heads/new"),
        ("new", set(), "refs/tags/t", b"refs/tags/new"),
    ],
)
def test_resolve_dst(dst: str, remote: set[bytes], src: str, expected: bytes) -> None:
    assert resolve_dst(dst, remote, src) == expected


def test_resolve_dst_ambiguous() -> None:
    with pytest.raises(InvalidRefError):
        resolve_dst("x", {b"refs/heads/x", b"refs/tags/x"}, "HEAD")
