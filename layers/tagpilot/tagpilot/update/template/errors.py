"""Typed errors of commit message rendering.

The messages carry Flux's wrapping (``unable to create commit message template from spec: ...``,
``failed to run template from spec: ...``) so they can go straight into a Ready condition.
"""

from __future__ import annotations

from tagpilot.golang.template.errors import TemplateExecError, TemplateParseError
from tagpilot.update.errors import UpdateError


class CommitTemplateParseError(TemplateParseError, UpdateError):
    """``spec.git.commit.messageTemplate`` does not parse (Flux: ``GitOperationFailed``)."""

    def __init__(self, cause: TemplateParseError) -> None:
        super().__init__(cause.name, cause.line, cause.detail)
        self.args = (f"unable to create commit message template from spec: {cause}",)
        self.cause = cause


class CommitTemplateExecError(TemplateExecError, UpdateError):
    """Executing the template failed (Flux: ``GitOperationFailed``, retried)."""

    def __init__(self, cause: TemplateExecError) -> None:
        super().__init__(f"failed to run template from spec: {cause}", cause.name, cause.detail)
        self.cause = cause


class RemovedTemplateFieldError(UpdateError):
    """The template uses ``.Updated`` or ``.Changed.ImageResult``, removed in API v1.

    Flux stalls the automation with reason ``RemovedTemplateField``.

    Attributes
    ----------
    field:
        The offending reference as written, e.g. ``.Updated.Images``.
    """

    def __init__(self, field: str, line: int) -> None:
        super().__init__(
            f"template uses the removed field {field} (line {line}): removed in "
            "image.toolkit.fluxcd.io/v1, use .Changed instead"
        )
        self.field = field
        self.line = line
