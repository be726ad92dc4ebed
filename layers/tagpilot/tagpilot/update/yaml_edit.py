"""Apply setters to one file's bytes as minimal in-place edits.

Unlike Flux (kyaml re-serialises every changed file: blank lines dropped, indentation and
comment spacing normalised, leading ``---`` removed, CRLF turned into LF), tagpilot only
replaces the bytes of the changed scalar values; everything else in the file is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ruamel.yaml.error import YAMLError

from tagpilot.limits import MAX_REPO_FILE_BYTES, MAX_REPO_YAML_DEPTH, LimitError, check_yaml
from tagpilot.update.block_scalar import rewrite_block
from tagpilot.update.locate import NotAResourceStream, ScalarSite, scalar_sites
from tagpilot.update.markers import setter_name
from tagpilot.update.result import Change, ObjectIdentifier
from tagpilot.update.scalar_style import render_flow_scalar

#: Files without this exact token (double quotes included) are never parsed, like Flux.
TOKEN = b'"$imagepolicy"'


@dataclass
class FileEdit:
    """Outcome for one file.

    ``data`` is the new content, or ``None`` when nothing changed or the file was skipped;
    ``skip_reason`` says why a file that carries the token could not be read.
    """

    data: bytes | None = None
    changes: dict[ObjectIdentifier, list[Change]] = field(default_factory=dict)
    skip_reason: str | None = None
    markers: int = 0  # marked fields seen (for the per-run limit)


def _replacement(text: str, site: ScalarSite, value: str) -> tuple[int, int, str]:
    if site.style in ("|", ">"):
        end, new = rewrite_block(text, site.start, site.end, value)
        return site.start, end, new
    return site.start, site.end, render_flow_scalar(value, site.style, site.flow)


def apply_to_file(data: bytes, setters: Mapping[str, str]) -> FileEdit:
    """Replace every marked scalar whose setter is available.

    Parameters
    ----------
    data : bytes
        The file content.
    setters : Mapping[str, str]
        Setter name (``NS:P``, ``NS:P:tag``, …) -> value.

    Returns
    -------
    FileEdit
        New bytes and the changes per object, in traversal order.

    Examples
    --------
    >>> edit = apply_to_file(b'image: a:1.0 # {"$imagepolicy": "ns:a"}\\n', {"ns:a": "a:1.1"})
    >>> edit.data
    b'image: a:1.1 # {"$imagepolicy": "ns:a"}\\n'
    """
    if TOKEN not in data:
        return FileEdit()
    if len(data) > MAX_REPO_FILE_BYTES:
        limit = MAX_REPO_FILE_BYTES // (1024 * 1024)
        return FileEdit(skip_reason=f"larger than {limit} MiB (the limit for files with markers)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FileEdit(skip_reason=f"not UTF-8: {exc.reason} at byte {exc.start}")
    edits: list[tuple[int, int, str]] = []
    changes: dict[ObjectIdentifier, list[Change]] = {}
    markers = 0
    try:
        # Nesting is bounded before anything is composed (composing recurses per level).
        check_yaml(text, max_depth=MAX_REPO_YAML_DEPTH)
        for site in scalar_sites(text):
            name = None if site.comment is None else setter_name(site.comment)
            markers += name is not None
            if name is None or name not in setters:
                continue
            new = setters[name]
            if new == site.value:
                continue
            edits.append(_replacement(text, site, new))
            changes.setdefault(site.obj, []).append(Change(site.value, new, name))
    except LimitError as exc:
        return FileEdit(skip_reason=str(exc))
    except (YAMLError, NotAResourceStream) as exc:
        return FileEdit(skip_reason=f"cannot parse as Kubernetes YAML: {_first_line(exc)}")
    if not edits:
        return FileEdit(markers=markers)
    for start, end, new_text in sorted(edits, reverse=True):
        text = text[:start] + new_text + text[end:]
    return FileEdit(data=text.encode("utf-8"), changes=changes, markers=markers)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
