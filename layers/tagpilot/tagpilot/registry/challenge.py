"""Parsing of ``WWW-Authenticate`` challenges (RFC 7235) as registries send them.

Registries answer ``401`` with ``Bearer realm="...",service="...",scope="..."`` (token auth,
Docker Hub, GHCR, Harbor) or ``Basic realm="..."`` (htpasswd, ECR). Quoted values may contain
commas and escaped quotes; one header may hold several challenges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_TOKEN_END = frozenset(" \t,=")


@dataclass(frozen=True)
class Challenge:
    """One authentication challenge: a lower-case ``scheme`` and its parameters."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        """Parameter value by case-insensitive name."""
        return self.params.get(key.lower(), default)


def parse_www_authenticate(header: str) -> list[Challenge]:
    """Split a ``WWW-Authenticate`` value into challenges.

    Parameters
    ----------
    header:
        The header value, e.g. ``Bearer realm="https://auth.example/token",service="reg"``.

    Returns
    -------
    list[Challenge]
        In header order; parameter names lower-cased; malformed trailing parts are ignored.

    Examples
    --------
    >>> parse_www_authenticate('Basic realm="x"')[0].scheme
    'basic'
    """
    challenges: list[Challenge] = []
    pos, size = 0, len(header)
    while pos < size:
        pos = _skip(header, pos, " \t,")
        if pos >= size:
            break
        scheme, pos = _token(header, pos)
        if not scheme:
            pos += 1  # a stray '=' or similar: skip it rather than loop forever
            continue
        params: dict[str, str] = {}
        while True:
            start = _skip(header, pos, " \t,")
            name, after = _token(header, start)
            after_ws = _skip(header, after, " \t")
            if not name or after_ws >= size or header[after_ws] != "=":
                # Not "name=": either the end, or the scheme of the next challenge.
                pos = start
                break
            value, pos = _value(header, _skip(header, after_ws + 1, " \t"))
            params[name.lower()] = value
        challenges.append(Challenge(scheme.lower(), params))
    return challenges


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _token(text: str, pos: int) -> tuple[str, int]:
    start = pos
    while pos < len(text) and text[pos] not in _TOKEN_END and text[pos] != '"':
        pos += 1
    return text[start:pos], pos


def _value(text: str, pos: int) -> tuple[str, int]:
    if pos < len(text) and text[pos] == '"':
        out: list[str] = []
        pos += 1
        while pos < len(text) and text[pos] != '"':
            if text[pos] == "\\" and pos + 1 < len(text):
                pos += 1
            out.append(text[pos])
            pos += 1
        return "".join(out), pos + 1
    start = pos
    while pos < len(text) and text[pos] not in " \t,":
        pos += 1
    return text[start:pos], pos
