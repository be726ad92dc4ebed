"""Secure paths inside a Git tree, like Flux's ``securejoin.SecureJoin(workdir, path)``."""

from __future__ import annotations

import posixpath

from tagpilot.source.errors import InvalidPathError


def clean_path(path: str) -> str:
    """Clean a repository path so it cannot escape the root.

    ``..`` components stop at the root and a leading ``/`` means the repository root, as with
    ``securejoin``. The result has no leading or trailing ``/``; ``""`` is the root.

    Raises
    ------
    InvalidPathError
        The path contains a NUL byte.

    Examples
    --------
    >>> clean_path("/../apps/./prod/")
    'apps/prod'
    """
    if "\x00" in path:
        raise InvalidPathError("path contains a NUL byte")
    # Backslash is an ordinary file-name character on Linux, as in securejoin there.
    cleaned = posixpath.normpath("/" + path)
    # normpath keeps a leading "//"; both forms mean the root here.
    return cleaned.lstrip("/")


def join(base: str, relative: str) -> str:
    """Join a changed-file path (relative to the update path) onto the cleaned base path.

    Raises
    ------
    InvalidPathError
        ``relative`` is empty, absolute, or climbs out of ``base`` with ``..``.
    """
    if not relative or relative.startswith("/") or "\x00" in relative:
        raise InvalidPathError(f"changed path {relative!r} must be relative and non-empty")
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidPathError(f"changed path {relative!r} must be a clean relative path")
    base = clean_path(base)
    return f"{base}/{relative}" if base else relative
