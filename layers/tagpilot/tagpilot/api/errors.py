"""Errors raised while reading and validating manifests."""

from __future__ import annotations

from dataclasses import dataclass

from tagpilot.errors import TagpilotError


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, e.g. ``spec.interval: invalid duration '5x'``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ManifestError(TagpilotError):
    """A manifest could not be read or is invalid; ``str()`` names file, document and field."""

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
