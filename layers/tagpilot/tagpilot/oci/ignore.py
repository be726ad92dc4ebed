"""Which files of an extracted artifact are archived: Flux's ``sourceignore`` via ``pathspec``.

Pattern list (reference §3): ``.sourceignore`` files found recursively (root first, then
subdirectories lexically, ``.git`` skipped; a file in ``a/b/`` applies only below ``a/b/``), then
``spec.ignore``. An empty list means VCS defaults plus the other defaults; a non-empty list means
VCS defaults plus the list (so any ``.sourceignore`` pattern drops the non-VCS defaults).

Matching uses ``pathspec``'s ``GitIgnoreSpec`` (git's semantics: last match wins, ``!`` negates,
a trailing ``/`` is directory-only, a ``/`` elsewhere anchors). Deliberate difference from Flux,
which has its own matcher: where git and Flux disagree (Flux never prunes an excluded directory, so
``/*`` then ``!/deploy`` keeps ``deploy/**`` in both; Flux's ``filepath.Match`` character classes
use ``[^...]``), tagpilot follows git. See the README.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pathspec

IGNORE_FILE = ".sourceignore"
VCS_PATTERNS = (".git/", ".gitignore", ".gitmodules", ".gitattributes")
EXT_PATTERNS = ("*.jpg", "*.jpeg", "*.gif", "*.png", "*.wmv", "*.flv", "*.tar.gz", "*.zip")
CI_PATTERNS = (
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
)
EXTRA_PATTERNS = ("**/.goreleaser.yml", "**/.sops.yaml", "**/.flux.yaml")
DEFAULT_PATTERNS = EXT_PATTERNS + CI_PATTERNS + EXTRA_PATTERNS


class IgnoreRules:
    """A compiled pattern list; :meth:`excluded` answers for one relative path.

    Examples
    --------
    >>> rules = IgnoreRules.from_patterns(["*.txt", "!keep.txt"])
    >>> rules.excluded("a/b.txt"), rules.excluded("keep.txt"), rules.excluded(".git", True)
    (True, False, True)
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)

    @classmethod
    def from_patterns(cls, patterns: Iterable[str]) -> IgnoreRules:
        """VCS defaults, then ``patterns``, or all defaults when ``patterns`` has no rule."""
        own = [p for p in patterns if _is_rule(p)]
        base = VCS_PATTERNS if own else VCS_PATTERNS + DEFAULT_PATTERNS
        return cls([*base, *own])

    def excluded(self, relpath: str, is_dir: bool = False) -> bool:
        """Whether ``relpath`` (``/``-separated, relative to the root) is left out."""
        return bool(self._spec.match_file(relpath + "/" if is_dir else relpath))


def _is_rule(line: str) -> bool:
    return bool(line.strip()) and not line.startswith("#")


def scoped(line: str, domain: str) -> str | None:
    """A ``.sourceignore`` line of directory ``domain`` rewritten relative to the root."""
    if not _is_rule(line):
        return None
    if not domain:
        return line
    negate = "!" if line.startswith("!") else ""
    body = line[len(negate) :]
    core = body.rstrip().removesuffix("/")
    if "/" in core:
        return f"{negate}{domain}/{body.lstrip('/')}"
    return f"{negate}{domain}/**/{body}"


def sourceignore_patterns(root: Path) -> list[str]:
    """Every ``.sourceignore`` line under ``root``, scoped, root first then lexical depth-first."""
    out: list[str] = []
    for rel in _dirs(root, ""):
        path = root / rel / IGNORE_FILE if rel else root / IGNORE_FILE
        if path.is_file() and not path.is_symlink():
            for line in path.read_text(errors="replace").splitlines():
                pattern = scoped(line, rel)
                if pattern is not None:
                    out.append(pattern)
    return out


def _dirs(root: Path, rel: str) -> Iterator[str]:
    yield rel
    here = root / rel if rel else root
    with os.scandir(here) as entries:
        names = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    for name in names:
        if name == ".git":
            continue
        yield from _dirs(root, f"{rel}/{name}" if rel else name)


def load_rules(root: Path, spec_ignore: str | None) -> IgnoreRules:
    """The rules for an extracted artifact: its ``.sourceignore`` files plus ``spec.ignore``."""
    patterns = sourceignore_patterns(root)
    if spec_ignore:
        patterns.extend(spec_ignore.splitlines())
    return IgnoreRules.from_patterns(patterns)
