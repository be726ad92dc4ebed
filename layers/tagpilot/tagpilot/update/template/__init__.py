"""Flux commit message templates: the data model and the rendering entry points.

``render_commit_message`` renders ``spec.git.commit.messageTemplate`` with Flux's data
(``.AutomationObject``, ``.Changed``, ``.Values``; ``.Updated`` for v1beta2 objects) and Sprig's
hermetic text functions; ``validate_template`` checks a template when a manifest is applied.
"""

from __future__ import annotations

from tagpilot.update.template.errors import (
    CommitTemplateExecError,
    CommitTemplateParseError,
    RemovedTemplateFieldError,
)
from tagpilot.update.template.render import (
    DEFAULT_MESSAGE,
    TEMPLATE_NAME,
    find_removed_fields,
    render_commit_message,
    validate_template,
)

__all__ = [
    "DEFAULT_MESSAGE",
    "TEMPLATE_NAME",
    "CommitTemplateExecError",
    "CommitTemplateParseError",
    "RemovedTemplateFieldError",
    "find_removed_fields",
    "render_commit_message",
    "validate_template",
]
