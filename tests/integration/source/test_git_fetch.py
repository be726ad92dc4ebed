"""Shallow single-branch fetches into memory and tree walking, against ``git http-backend``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dulwich.objects import Commit
from tagpilot.source.errors import (
    InvalidRefError,
    PathNotFoundError,
    RefNotFoundError,
    UnsupportedRefError,
)
from tagpilot.source.fetch import CheckoutRef, fetch_branch, fetch_ref, ls_remote
from tagpilot.source.remote import open_remote

from tests.support import gitfixtures
from tests.support.gitserver import GitServer

pytestmark = pytest.mark.integration


def _build_repo(bare: Path, tmp: Path) -> dict[str, str]:
    """Three commits on main, a symlink, a submodule entry, tags and a feature branch."""
    gitfixtures.init_bare(bare)
    work = tmp / "work"
    env = gitfixtures.git_env(tmp)
    gitfixtures.git("init", "--quiet", "--initial-branch=main", str(work), env=env)
    ids: dict[str, str] = {}
    for n in (1, 2, 3):
        (work / "a").mkdir(exist_ok=True)
        (work / "a.yaml").write_bytes(f"v: {n}\n".encode())
        (work / "a" / "x.yaml").write_bytes(b"x: 1\n")
        (work / "b.yml").write_bytes(b"b: 1\n")
        (work / "Kustomization").write_bytes(b"resources: []\n")
        gitfixtures.git("add", "--all", cwd=work, env=env)
        gitfixtures.git("commit", "--quiet", "-m", f"c{n}", cwd=work, env=env)
        ids[f"c{n}"] = gitfixtures.git("rev-parse", "HEAD", cwd=work, env=env).strip()
        if n == 1:
            gitfixtures.git("tag", "-a", "v1.0.0", "-m", "release", cwd=work, env=env)
            gitfixtures.git("tag", "light", cwd=work, env=env)
    os.symlink("a.yaml", work / "link.yaml")
    gitfixtures.git("add", "link.yaml", cwd=work, env=env)
    gitfixtures.git(
        "update-index", "--add", "--cacheinfo", f"160000,{ids['c1']},vendor/sub", cwd=work, env=env
    )
    gitfixtures.git("commit", "--quiet", "-m", "c4", cwd=work, env=env)
    ids["c4"] = gitfixtures.git("rev-parse", "HEAD", cwd=work, env=env).strip()
    gitfixtures.git(
        "push", "--quiet", "--tags", str(bare), "HEAD:refs/heads/main", cwd=work, env=env
    )
    gitfixtures.git(
        "push", "--quiet", str(bare), f"{ids['c2']}:refs/heads/feature", cwd=work, env=env
    )
    return ids


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    # Read-only tests: one server and repository for the whole module.
    with GitServer() as server:
        ids = _build_repo(server.repo_path("r.git"), tmp_path_factory.mktemp("fetch"))
        yield server.url_for("r.git"), ids


def test_shallow_fetch_gets_only_the_head_commit(repo: tuple[str, dict[str, str]]) -> None:
    url, ids = repo
    with open_remote(url) as remote:
        checkout = fetch_branch(remote, "main", depth=1)
    commits = [o for o in checkout.repo.object_store if isinstance(checkout.repo[o], Commit)]
    assert [c.decode() for c in commits] == [ids["c4"]]
    assert checkout.shallow == {ids["c4"].encode()}
    assert checkout.revision == f"main@sha1:{ids['c4']}"


def test_full_fetch_gets_history(repo: tuple[str, dict[str, str]]) -> None:
    url, ids = repo
    with open_remote(url) as remote:
        checkout = fetch_branch(remote, "main", depth=None)
    commits = {
        o.decode() for o in checkout.repo.object_store if isinstance(checkout.repo[o], Commit)
    }
    assert commits == {ids["c1"], ids["c2"], ids["c3"], ids["c4"]}
    assert checkout.shallow == set()


def test_walk_order_skips_symlinks_and_submodules(repo: tuple[str, dict[str, str]]) -> None:
    url, _ = repo
    with open_remote(url) as remote:
        checkout = fetch_branch(remote, "main")
    names = [p for p, _ in checkout.iter_files("", lambda n: True)]
    # filepath.Walk order: directory "a" sorts before "a.yaml" (Git's tree order is the reverse).
    assert names == ["Kustomization", "a/x.yaml", "a.yaml", "b.yml"]
    yaml_only = dict(checkout.iter_files("/", lambda n: n.endswith((".yaml", ".yml"))))
    assert yaml_only == {"a/x.yaml": b"x: 1\n", "a.yaml": b"v: 3\n", "b.yml": b"b: 1\n"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a", [("x.yaml", b"x: 1\n")]),
        ("/a/", [("x.yaml", b"x: 1\n")]),
        ("../../a", [("x.yaml", b"x: 1\n")]),
        ("a.yaml", [("a.yaml", b"v: 3\n")]),
        ("link.yaml", []),
        ("vendor/sub", []),
    ],
)
def test_iter_files_path_forms(
    repo: tuple[str, dict[str, str]], path: str, expected: list[tuple[str, bytes]]
) -> None:
    url, _ = repo
    with open_remote(url) as remote:
        checkout = fetch_branch(remote, "main")
    assert list(checkout.iter_files(path, lambda n: True)) == expected


@pytest.mark.parametrize("path", ["missing", "a/missing.yaml", "a.yaml/x", "vendor/sub/x"])
def test_missing_path_is_typed(repo: tuple[str, dict[str, str]], path: str) -> None:
    url, _ = repo
    with open_remote(url) as remote:
        checkout = fetch_branch(remote, "main")
    with pytest.raises(PathNotFoundError):
        checkout.iter_files(path, lambda n: True)


def test_missing_branch_is_typed(repo: tuple[str, dict[str, str]]) -> None:
    url, _ = repo
    with open_remote(url) as remote, pytest.raises(RefNotFoundError):
        fetch_branch(remote, "nope")


def test_ls_remote_lists_heads_and_peeled_tags(repo: tuple[str, dict[str, str]]) -> None:
    url, ids = repo
    with open_remote(url) as remote:
        refs = ls_remote(remote)
    assert refs[b"refs/heads/main"] == ids["c4"].encode()
    assert refs[b"refs/heads/feature"] == ids["c2"].encode()
    assert refs[b"refs/tags/v1.0.0^{}"] == ids["c1"].encode()
    assert refs[b"refs/tags/light"] == ids["c1"].encode()


@pytest.mark.parametrize(
    ("ref", "commit", "branch"),
    [
        (CheckoutRef(), None, None),  # default "master" does not exist here
        (CheckoutRef(branch="feature"), "c2", "feature"),
        (CheckoutRef(tag="v1.0.0"), "c1", None),
        (CheckoutRef(tag="light"), "c1", None),
        (CheckoutRef(name="refs/heads/feature", tag="v1.0.0"), "c2", "feature"),
        (CheckoutRef(branch="main", commit="c3"), "c3", "main"),
    ],
)
def test_fetch_ref_kinds(
    repo: tuple[str, dict[str, str]], ref: CheckoutRef, commit: str | None, branch: str | None
) -> None:
    url, ids = repo
    if ref.commit:
        ref = CheckoutRef(branch=ref.branch, commit=ids[ref.commit])
    with open_remote(url) as remote:
        if commit is None:
            with pytest.raises(RefNotFoundError):
                fetch_ref(remote, ref)
            return
        checkout = fetch_ref(remote, ref)
    assert checkout.commit_id.decode() == ids[commit]
    assert checkout.branch == branch


@pytest.mark.parametrize(
    ("ref", "error"),
    [
        (CheckoutRef(semver=">=1.0.0"), UnsupportedRefError),
        (CheckoutRef(commit="a" * 40), UnsupportedRefError),
        (CheckoutRef(branch="main", commit="xyz"), InvalidRefError),
        (CheckoutRef(branch="main", commit="b" * 40), RefNotFoundError),
        (CheckoutRef(name="heads/main"), InvalidRefError),
        (CheckoutRef(branch="bad..name"), InvalidRefError),
    ],
)
def test_fetch_ref_errors(
    repo: tuple[str, dict[str, str]], ref: CheckoutRef, error: type[Exception]
) -> None:
    url, _ = repo
    with open_remote(url) as remote, pytest.raises(error):
        fetch_ref(remote, ref)
