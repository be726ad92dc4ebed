"""run_update and push against a real ``git http-backend``: branches, refspecs, retries, options."""

from __future__ import annotations

import stat
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import pytest
from tagpilot.source.commit import Signature, commit_files
from tagpilot.source.errors import (
    GitPushError,
    PushOptionsUnsupportedError,
    PushRejectedError,
)
from tagpilot.source.fetch import fetch_branch
from tagpilot.source.push import push
from tagpilot.source.remote import open_remote
from tagpilot.source.workflow import EditResult, run_update

from tests.support import gitfixtures
from tests.support.gitserver import GitServer

pytestmark = pytest.mark.integration

AUTHOR = Signature("Flux Bot", "flux@example.com")
WHEN = datetime(2024, 2, 1, 10, 30, tzinfo=UTC)
OLD = b"image: ghcr.io/org/app:1.0.0\n"
NEW = b"image: ghcr.io/org/app:2.0.0\n"


def bump(files: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """A stand-in for the setters: rewrite the app image tag wherever it appears."""
    return {
        path: data.replace(b"app:1.0.0", b"app:2.0.0")
        for path, data in files
        if b"app:1.0.0" in data
    }


def message(_result: EditResult) -> str:
    return "Update from image update automation"


def _run(server: GitServer, repo: str, push_branch: str | None = None, **kwargs: object):
    with open_remote(server.url_for(repo)) as remote:
        return run_update(
            remote,
            "main",
            push_branch,
            "clusters",
            kwargs.pop("edit", bump),
            AUTHOR,
            message,
            now=lambda: WHEN,
            **kwargs,  # type: ignore[arg-type]
        )


def _receive_pack_posts(server: GitServer) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path.endswith("receive-pack"))


def test_push_to_checkout_branch(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)
    before = gitfixtures.rev_parse(bare, "main")
    result = _run(git_server, sample_repo)
    head = gitfixtures.rev_parse(bare, "main")
    assert result.commit_id is not None and result.commit_id.decode() == head
    assert result.source_revision == f"main@sha1:{head}"
    assert result.pushed_branch == "main" and result.attempts == 1
    assert gitfixtures.rev_parse(bare, "main~1") == before
    assert gitfixtures.read_file(bare, "main", "clusters/staging/app.yaml") == NEW
    # Unchanged files keep their blobs; the marker line is untouched apart from the tag.
    assert gitfixtures.read_file(bare, "main", "clusters/prod/db.yaml") == b"image: postgres:15\n"
    raw = gitfixtures.git("cat-file", "commit", "main", cwd=bare)
    assert "author Flux Bot <flux@example.com> 1706783400 +0000" in raw
    assert "committer Flux Bot <flux@example.com> 1706783400 +0000" in raw
    assert raw.endswith("\nUpdate from image update automation")
    # git itself accepts the objects we wrote.
    gitfixtures.git("fsck", "--strict", cwd=bare)


def test_nothing_to_change_makes_no_commit(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)
    head = gitfixtures.rev_parse(bare, "main")
    # An edit that "changes" a file to its current content is a no-op too.
    same = _run(git_server, sample_repo, edit=lambda files: dict(files))
    assert same.commit_id is None and same.pushed_branch is None
    assert same.source_revision == f"main@sha1:{head}"
    assert gitfixtures.rev_parse(bare, "main") == head
    assert _receive_pack_posts(git_server) == 0


def test_push_to_new_branch_starts_from_checkout(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)
    main = gitfixtures.rev_parse(bare, "main")
    result = _run(git_server, sample_repo, push_branch="auto")
    auto = gitfixtures.rev_parse(bare, "auto")
    assert result.commit_id is not None and result.commit_id.decode() == auto
    assert gitfixtures.rev_parse(bare, "auto~1") == main
    assert gitfixtures.rev_parse(bare, "main") == main
    # Flux reports the checked-out commit when pushing to another branch.
    assert result.source_revision == f"main@sha1:{main}"


def test_push_to_existing_branch_builds_on_it(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)
    main = gitfixtures.rev_parse(bare, "main")
    existing = gitfixtures.commit_files(bare, {"auto-only.txt": b"keep\n"}, "auto", base="main")
    result = _run(git_server, sample_repo, push_branch="auto")
    assert result.commit_id is not None
    assert gitfixtures.rev_parse(bare, "auto~1") == existing
    assert gitfixtures.read_file(bare, "auto", "auto-only.txt") == b"keep\n"
    assert result.source_revision == f"main@sha1:{main}"


def test_refspec_is_an_additional_push(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)
    result = _run(
        git_server, sample_repo, push_branch="auto", refspec="refs/heads/auto:refs/heads/release"
    )
    assert result.pushed_refs == (b"refs/heads/auto", b"refs/heads/release")
    commit = result.commit_id.decode() if result.commit_id else ""
    assert gitfixtures.rev_parse(bare, "auto") == commit
    assert gitfixtures.rev_parse(bare, "release") == commit


def test_concurrent_pusher_forces_exactly_one_retry(
    git_server: GitServer, sample_repo: str
) -> None:
    bare = git_server.repo_path(sample_repo)
    calls: list[int] = []
    other: list[str] = []

    def edit_racing(files: Iterable[tuple[str, bytes]]) -> Mapping[str, bytes]:
        changes = bump(files)
        calls.append(1)
        if len(calls) == 1:
            # Someone else pushes between our fetch and our push.
            other.append(git_server.push_commit(sample_repo, {"other.txt": b"theirs\n"}))
        return changes

    result = _run(git_server, sample_repo, edit=edit_racing)
    assert result.attempts == 2 and len(calls) == 2
    head = gitfixtures.rev_parse(bare, "main")
    assert result.commit_id is not None and result.commit_id.decode() == head
    assert gitfixtures.rev_parse(bare, "main~1") == other[0]
    assert gitfixtures.read_file(bare, "main", "other.txt") == b"theirs\n"
    # Every update of main was a fast-forward: nothing was force-pushed.
    for old, new in gitfixtures.reflog(bare, "refs/heads/main"):
        assert set(old) == {"0"} or gitfixtures.is_ancestor(bare, old, new)


def test_retries_are_bounded(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)

    def always_racing(files: Iterable[tuple[str, bytes]]) -> Mapping[str, bytes]:
        changes = bump(files)
        git_server.push_commit(
            sample_repo, {"other.txt": f"{len(changes)}\n".encode()}, message="x"
        )
        return changes

    before = gitfixtures.rev_parse(bare, "main")
    with pytest.raises(PushRejectedError):
        _run(git_server, sample_repo, edit=always_racing, max_attempts=2)
    assert gitfixtures.read_file(bare, "main", "clusters/staging/app.yaml") == OLD
    assert gitfixtures.is_ancestor(bare, before, "main")


def test_push_options_reach_the_server(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(
        '#!/bin/sh\nenv | grep "^GIT_PUSH_OPTION_[0-9]" | sort > "$GIT_DIR/push-options.txt"\n'
    )
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    _run(git_server, sample_repo, options={"ci.skip": "", "merge_request.create": "true"})
    lines = (bare / "push-options.txt").read_text().splitlines()
    assert lines == ["GIT_PUSH_OPTION_0=ci.skip=", "GIT_PUSH_OPTION_1=merge_request.create=true"]


def test_push_options_unsupported_is_typed(git_server: GitServer) -> None:
    git_server.create_repo("plain.git", {"clusters/a.yaml": OLD}, push_options=False)
    bare = git_server.repo_path("plain.git")
    before = gitfixtures.rev_parse(bare, "main")
    with pytest.raises(PushOptionsUnsupportedError):
        _run(git_server, "plain.git", options={"topic": "x"})
    assert gitfixtures.rev_parse(bare, "main") == before


def test_server_hook_refusal_is_a_push_error(git_server: GitServer, sample_repo: str) -> None:
    hook = git_server.repo_path(sample_repo) / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(GitPushError) as info:
        _run(git_server, sample_repo)
    assert not isinstance(info.value, PushRejectedError)
    assert "pre-receive hook declined" in str(info.value)


def test_direct_push_rules(git_server: GitServer, sample_repo: str) -> None:
    bare = git_server.repo_path(sample_repo)
    with open_remote(git_server.url_for(sample_repo)) as remote:
        checkout = fetch_branch(remote, "main")
        commit = commit_files(checkout, "", {"x.txt": b"x\n"}, AUTHOR, "m", None, WHEN)
        with pytest.raises(GitPushError):
            push(remote, checkout, commit, "main", force=True)
        theirs = git_server.push_commit(sample_repo, {"y.txt": b"y\n"})
        with pytest.raises(PushRejectedError):
            push(remote, checkout, commit, "main")
        assert gitfixtures.rev_parse(bare, "main") == theirs
        # Another branch may be forced (the caller's explicit choice).
        gitfixtures.commit_files(bare, {"z.txt": b"z\n"}, "side", base="main")
        push(remote, checkout, commit, "side", force=True)
    assert gitfixtures.rev_parse(bare, "side") == commit.decode()
