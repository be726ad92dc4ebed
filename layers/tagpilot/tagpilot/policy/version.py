"""Semantic versions as Flux parses tags (pkg ``version.ParseVersion``, Masterminds v3).

A version is held as a tuple ``(major, minor, patch, release, prerelease)`` that compares with
Masterminds' ``Version.Compare`` precedence: ``release`` is 1 without a prerelease and 0 with
one, ``prerelease`` is a tuple of ``(0, number)`` or ``(1, text)`` identifiers (numbers sort
before text, a shorter list first). Build metadata is not part of the key.
"""

from __future__ import annotations

import re

__all__ = ["Key", "coerce", "parse_tag", "tag_error"]

Key = tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]

_U64 = (1 << 64) - 1
# Masterminds' semVerRegex (NewVersion, coercing): minor and patch optional, lowercase "v".
_NEW_VERSION = re.compile(
    r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\Z"
)


def _pre_key(pre: str) -> tuple[tuple[int, int | str], ...] | None:
    out: list[tuple[int, int | str]] = []
    for part in pre.split("."):
        if part.isdigit():
            if len(part) > 1 and part[0] == "0":
                return None
            value = int(part)
            # Masterminds tells numbers from text with ParseUint: overflow means text.
            out.append((0, value) if value <= _U64 else (1, part))
        else:
            out.append((1, part))
    return tuple(out)


def coerce(text: str) -> Key | None:
    """Masterminds ``NewVersion``: ``1``, ``v1.2``, ``01.02.03`` are accepted; None if invalid."""
    m = _NEW_VERSION.match(text)
    if m is None:
        return None
    major, minor, patch, pre, _ = m.groups()
    numbers = (int(major), int(minor or 0), int(patch or 0))
    if max(numbers) > _U64:
        return None
    if pre is None:
        return (*numbers, 1, ())
    pre_key = _pre_key(pre)
    if pre_key is None:
        return None
    return (*numbers, 0, pre_key)


def parse_tag(tag: str) -> Key | None:
    """Flux's ``version.ParseVersion``: three dot-separated parts, then ``NewVersion``.

    Examples
    --------
    >>> parse_tag("v1.2.3")
    (1, 2, 3, 1, ())
    >>> parse_tag("1.2") is None
    True
    """
    # strings.SplitN(tag, ".", 3) yields 3 parts exactly when there are at least two dots.
    if tag.count(".") < 2:
        return None
    return coerce(tag)


def tag_error(tag: str) -> str | None:
    """Why :func:`parse_tag` refuses ``tag`` (for explanations), or None if it is valid."""
    if tag.count(".") < 2:
        return "not a semantic version: needs three dot-separated parts"
    m = _NEW_VERSION.match(tag)
    if m is None:
        return "not a semantic version: invalid syntax"
    if max(int(g) for g in m.groups()[:3] if g) > _U64:
        return "not a semantic version: number out of range"
    if m.group(4) and _pre_key(m.group(4)) is None:
        return "not a semantic version: prerelease identifier with a leading zero"
    return None
