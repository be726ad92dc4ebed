"""Parsing of ``git.push.refspec`` values (``[+]<src>:<dst>``)."""

from __future__ import annotations

from dataclasses import dataclass

from tagpilot.source.errors import InvalidRefError


@dataclass(frozen=True)
class Refspec:
    """One push refspec.

    Attributes
    ----------
    src:
        Local side: ``HEAD``, a full ref (``refs/heads/auto``) or a short branch/tag name.
    dst:
        Remote side: a full ref, or a short name resolved like ``git push`` does.
    force:
        A leading ``+`` allows a non-fast-forward update.
    """

    src: str
    dst: str
    force: bool = False


def parse_refspec(text: str) -> Refspec:
    """Parse a push refspec.

    ``src`` without ``:dst`` pushes to the same name. Deletions (empty ``src``), globs and
    negative refspecs are refused: an image automation only pushes the commit it made.

    Raises
    ------
    InvalidRefError
        Empty, deleting, glob or negative refspec.

    Examples
    --------
    >>> parse_refspec("+refs/heads/auto:refs/heads/main")
    Refspec(src='refs/heads/auto', dst='refs/heads/main', force=True)
    """
    spec = text.strip()
    force = spec.startswith("+")
    if force:
        spec = spec[1:]
    if not spec or spec.startswith("^"):
        raise InvalidRefError(f"invalid push refspec {text!r}")
    src, sep, dst = spec.partition(":")
    if not sep:
        dst = src
    if not src:
        raise InvalidRefError(f"push refspec {text!r} would delete {dst!r}: not supported")
    if not dst or ":" in dst:
        raise InvalidRefError(f"invalid push refspec {text!r}")
    if "*" in src or "*" in dst:
        raise InvalidRefError(f"glob push refspec {text!r} is not supported")
    return Refspec(src=src, dst=dst, force=force)


def resolve_dst(dst: str, remote_refs: set[bytes], src_full: str) -> bytes:
    """Expand a destination the way ``git push`` does.

    A full ``refs/...`` name is used as is; a short name matches an existing remote ref
    (``refs/heads/``, ``refs/tags/``, ``refs/``), else it becomes a branch when ``src`` is a
    branch or ``HEAD``.

    Raises
    ------
    InvalidRefError
        The short name is ambiguous or cannot be expanded.
    """
    if dst.startswith("refs/"):
        return dst.encode()
    candidates = [
        f"refs/{dst}",
        f"refs/tags/{dst}",
        f"refs/heads/{dst}",
        f"refs/remotes/{dst}",
    ]
    found = [c for c in candidates if c.encode() in remote_refs]
    if len(found) > 1:
        raise InvalidRefError(f"push destination {dst!r} matches several remote refs: {found}")
    if found:
        return found[0].encode()
    if src_full == "HEAD" or src_full.startswith("refs/heads/"):
        return f"refs/heads/{dst}".encode()
    if src_full.startswith("refs/tags/"):
        return f"refs/tags/{dst}".encode()
    raise InvalidRefError(f"push destination {dst!r} is not a full ref name and cannot be guessed")
