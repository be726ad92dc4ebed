"""Typed errors of the ``text/template`` emulation.

Messages follow Go's wording so that a user who knows Flux recognises them, e.g.
``template: commit message:1: function "foo" not defined`` (parse) or
``template: commit message:1:3: executing "commit message" at <.Foo>: ...`` (execution).
"""

from __future__ import annotations

from tagpilot.errors import TagpilotError


class TemplateError(TagpilotError):
    """Base class of every template error."""


class TemplateParseError(TemplateError):
    """The template text is not a valid Go template.

    Attributes
    ----------
    name:
        Name of the template being parsed.
    line:
        1-based line of the offending token.
    detail:
        The message without the ``template: <name>:<line>:`` prefix.
    """

    def __init__(self, name: str, line: int, detail: str) -> None:
        super().__init__(f"template: {name}:{line}: {detail}")
        self.name = name
        self.line = line
        self.detail = detail


class TemplateExecError(TemplateError):
    """Executing a parsed template failed (bad field, bad call, wrong type...).

    Attributes
    ----------
    name:
        Name of the template being executed.
    detail:
        The message without the location prefix.
    """

    def __init__(self, message: str, name: str, detail: str) -> None:
        super().__init__(message)
        self.name = name
        self.detail = detail


class FuncError(Exception):
    """Raised by a template function to report a Go-style returned ``error``.

    The executor turns it into ``error calling <name>: <message>``.
    """
