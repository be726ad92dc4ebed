"""The setters entry point: run every marker of a file set against the available setters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tagpilot.limits import MAX_MARKERS_PER_RUN
from tagpilot.update.errors import TooManyMarkersError
from tagpilot.update.result import Result
from tagpilot.update.yaml_edit import apply_to_file


@dataclass
class UpdateOutcome:
    """What :func:`apply_setters` did.

    ``result`` holds the recorded changes, ``changed`` the new content of every file with at
    least one change (the only files to write back), ``skipped`` the files that carried the
    marker token but could not be parsed, with the reason (Flux's "problem files").
    """

    result: Result = field(default_factory=Result)
    changed: dict[str, bytes] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def apply_setters(files: Iterable[tuple[str, bytes]], setters: Mapping[str, str]) -> UpdateOutcome:
    """Apply image policy setters to files, as minimal in-place edits.

    Parameters
    ----------
    files : Iterable[tuple[str, bytes]]
        ``(path relative to update.path, content)`` in walk order; only candidate files
        (see :func:`tagpilot.update.walk.is_candidate_name`) should be passed.
    setters : Mapping[str, str]
        From :func:`tagpilot.update.setters.setters_for_policies`.

    Returns
    -------
    UpdateOutcome

    Raises
    ------
    TooManyMarkersError
        More than :data:`tagpilot.limits.MAX_MARKERS_PER_RUN` marked fields (before any write).

    Examples
    --------
    >>> from tagpilot.update.imageref import ImageRef
    >>> from tagpilot.update.setters import setters_for_policies
    >>> setters = setters_for_policies("flux-system", {"app": ImageRef("ghcr.io/org/app", "1.1")})
    >>> doc = b'image: ghcr.io/org/app:1.0 # {"$imagepolicy": "flux-system:app"}\\n'
    >>> outcome = apply_setters([("deploy.yaml", doc)], setters)
    >>> outcome.changed["deploy.yaml"]
    b'image: ghcr.io/org/app:1.1 # {"$imagepolicy": "flux-system:app"}\\n'
    >>> [c.new_value for c in outcome.result.changes()]
    ['ghcr.io/org/app:1.1']
    """
    outcome = UpdateOutcome()
    markers = 0
    for path, data in files:
        edit = apply_to_file(data, setters)
        markers += edit.markers
        if markers > MAX_MARKERS_PER_RUN:
            raise TooManyMarkersError(
                f"more than {MAX_MARKERS_PER_RUN} marked fields under the update path (the "
                f"per-run limit, reached in {path}); nothing was changed"
            )
        if edit.skip_reason is not None:
            outcome.skipped[path] = edit.skip_reason
            continue
        if edit.data is None:
            continue
        outcome.changed[path] = edit.data
        for obj, changes in edit.changes.items():
            for change in changes:
                outcome.result.add_change(path, obj, change)
    return outcome
