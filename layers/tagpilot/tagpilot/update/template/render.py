"""Rendering Flux commit messages (IAC ``internal/source/source.go`` ``templateMsg``)."""

from __future__ import annotations

from collections.abc import Mapping

from tagpilot.golang.template import GoMap, Template, parse
from tagpilot.golang.template import nodes as n
from tagpilot.golang.template.errors import TemplateExecError, TemplateParseError
from tagpilot.golang.template.sprig import SPRIG_FUNCS
from tagpilot.update.template.data import (
    Changed,
    LegacyChanged,
    LegacyTemplateData,
    NamespacedName,
    ResultLike,
    TemplateData,
)
from tagpilot.update.template.errors import (
    CommitTemplateExecError,
    CommitTemplateParseError,
    RemovedTemplateFieldError,
)
from tagpilot.update.template.updated import LatestRef, build_updated

TEMPLATE_NAME = "commit message"
DEFAULT_MESSAGE = "Update from image update automation"
API_V1 = "image.toolkit.fluxcd.io/v1"


def is_v1(api_version: str) -> bool:
    """Whether ``api_version`` (``image.toolkit.fluxcd.io/v1`` or just ``v1``) is the GA API."""
    return api_version.rsplit("/", 1)[-1] == "v1"


def _parse(template: str) -> Template:
    try:
        return parse(TEMPLATE_NAME, template, SPRIG_FUNCS)
    except TemplateParseError as err:
        raise CommitTemplateParseError(err) from err


def _line(text: str, pos: int) -> int:
    return 1 + text.count("\n", 0, pos)


def find_removed_fields(parsed: Template) -> list[tuple[str, int]]:
    """References to ``.Updated`` or ``.Changed.ImageResult`` in any tree, with their lines.

    Static check (like apply-time validation): ``Updated`` as the first field after the cursor
    or ``$``, and ``ImageResult`` anywhere in a field chain, whether or not the branch holding
    it would run.
    """
    found: list[tuple[str, int]] = []
    for tree in parsed.trees.values():
        for node in n.walk(tree):
            chain: list[str] = []
            if isinstance(node, n.FieldNode):
                chain = ["", *node.ident]
            elif isinstance(node, n.VariableNode) and node.ident[0] == "$":
                chain = node.ident
            elif isinstance(node, n.ChainNode):
                chain = ["(...)", *node.fields]
            first_updated = len(chain) > 1 and chain[0] in ("", "$") and chain[1] == "Updated"
            if first_updated or "ImageResult" in chain[1:]:
                found.append((str(node), _line(parsed.text, node.pos)))
    return found


def validate_template(template: str | None, api_version: str = API_V1) -> None:
    """Check a ``messageTemplate`` when a manifest is applied.

    Raises
    ------
    CommitTemplateParseError
        The template does not parse (unknown function, syntax error...).
    RemovedTemplateFieldError
        API v1 and the template uses ``.Updated`` or ``.Changed.ImageResult``.
    """
    if not template:
        return
    parsed = _parse(template)
    if is_v1(api_version):
        removed = find_removed_fields(parsed)
        if removed:
            raise RemovedTemplateFieldError(*removed[0])


def render_commit_message(
    template: str | None,
    *,
    namespace: str,
    name: str,
    result: ResultLike,
    values: Mapping[str, str] | None = None,
    api_version: str = API_V1,
    policies: Mapping[str, LatestRef] | None = None,
) -> str:
    """Render the commit message of an automation run, as Flux does.

    Parameters
    ----------
    template:
        ``spec.git.commit.messageTemplate``; empty or None gives Flux's default message.
    namespace, name:
        The automation object (``.AutomationObject``).
    result:
        The setters result (``.Changed``), shaped like :class:`tagpilot.update.result.Result`.
    values:
        ``spec.git.commit.messageTemplateValues`` (``.Values``).
    api_version:
        The automation's ``apiVersion``. For v1beta2 the deprecated ``.Updated`` and
        ``.Changed.ImageResult`` are available (built from ``policies``); for v1 using them
        raises :class:`RemovedTemplateFieldError`.
    policies:
        v1beta2 only: ``status.latestRef`` (``name``, ``tag``) of each selected policy by name.

    Raises
    ------
    CommitTemplateParseError, CommitTemplateExecError, RemovedTemplateFieldError

    Example
    -------
    >>> from tagpilot.update.result import Change, ObjectIdentifier, Result
    >>> r = Result()
    >>> r.add_change("app.yaml", ObjectIdentifier("apps/v1", "Deployment", "app", "default"),
    ...              Change("app:1.0", "app:1.1", "flux-system:app"))
    >>> render_commit_message(
    ...     "{{ range .Changed.Changes }}{{ printf \\"%s -> %s\\" .OldValue .NewValue }}{{ end }}",
    ...     namespace="flux-system", name="auto", result=r)
    'app:1.0 -> app:1.1'
    """
    parsed = _parse(template or DEFAULT_MESSAGE)
    automation = NamespacedName(namespace, name)
    value_map: GoMap[str, str] = GoMap(dict(values or {}), zero="")
    data: TemplateData
    if is_v1(api_version):
        removed = find_removed_fields(parsed)
        if removed:
            raise RemovedTemplateFieldError(*removed[0])
        data = TemplateData(automation, Changed(result), value_map)
    else:
        updated = build_updated(result, policies or {}, namespace)
        data = LegacyTemplateData(automation, LegacyChanged(result, updated), value_map, updated)
    try:
        return parsed.execute(data)
    except TemplateExecError as err:
        raise CommitTemplateExecError(err) from err
