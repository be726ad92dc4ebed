"""Fixtures for Git integration tests: real ``git http-backend`` and ``sshd`` servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.gitserver import GitServer

#: A small repository like the ones image automations update.
SAMPLE_FILES: dict[str, bytes] = {
    "README.md": b"# app\n",
    "clusters/prod/app.yaml": (
        b'image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "flux-system:app"}\n'
    ),
    "clusters/prod/db.yaml": b"image: postgres:15\n",
    "clusters/staging/app.yaml": b"image: ghcr.io/org/app:1.0.0\n",
}


@pytest.fixture
def git_server() -> Iterator[GitServer]:
    with GitServer() as server:
        yield server


@pytest.fixture
def sample_repo(git_server: GitServer) -> str:
    git_server.create_repo("app.git", SAMPLE_FILES, push_options=True)
    return "app.git"
