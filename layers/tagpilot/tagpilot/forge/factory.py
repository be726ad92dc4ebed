"""Build a forge client by kind."""

from __future__ import annotations

import requests

from tagpilot.forge.base import Forge, ForgeError
from tagpilot.forge.bitbucket import Bitbucket
from tagpilot.forge.gitea import Gitea
from tagpilot.forge.github import GitHub
from tagpilot.forge.gitlab import GitLab

KINDS = ("github", "gitlab", "gitea", "forgejo", "bitbucket")


class Forges:
    """``(kind, repository, token, api) -> Forge``, sharing one HTTP session."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def __call__(self, kind: str, repository: str, token: str, api: str | None) -> Forge:
        if kind == "github":
            return GitHub(self._session, repository, token, *([api] if api else []))
        if kind == "gitlab":
            return GitLab(self._session, repository, token, *([api] if api else []))
        if kind in ("gitea", "forgejo"):
            return Gitea(self._session, repository, token, api or "")
        if kind == "bitbucket":
            return Bitbucket(self._session, repository, token, *([api] if api else []))
        raise ForgeError(f"unknown forge '{kind}': one of {', '.join(KINDS)}")
