"""Typed errors of :mod:`tagpilot.update`.

Callers branch on these types, never on the message text.
"""

from __future__ import annotations

from tagpilot.errors import TagpilotError


class UpdateError(TagpilotError):
    """Base class of every error raised on purpose by :mod:`tagpilot.update`."""


class UpdatePathError(UpdateError):
    """``update.path`` does not exist inside the checkout (Flux: ``UpdateFailed``, retried)."""


class InvalidImageRefError(UpdateError, ValueError):
    """A ``name:tag[@digest]`` reference given on the command line cannot be parsed."""


class InvalidSetterError(UpdateError, ValueError):
    """A ``NS:NAME=REF`` setter argument is malformed."""


class TooManyMarkersError(UpdateError):
    """More marked fields than one run may edit (tagpilot limit; the run changes nothing)."""
