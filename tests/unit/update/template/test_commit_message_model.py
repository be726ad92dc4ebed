"""Commit message data model: default message, removed v1 fields, v1beta2 ``.Updated``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from commit_message_data import NAME, NAMESPACE, VALUES, make_result
from tagpilot.update.errors import UpdateError
from tagpilot.update.imageref import ImageRef
from tagpilot.update.result import Result
from tagpilot.update.template import (
    DEFAULT_MESSAGE,
    CommitTemplateExecError,
    CommitTemplateParseError,
    RemovedTemplateFieldError,
    render_commit_message,
    validate_template,
)

pytestmark = pytest.mark.unit

V1 = "image.toolkit.fluxcd.io/v1"
V1BETA2 = "image.toolkit.fluxcd.io/v1beta2"
POLICIES = {
    "web": ImageRef("ghcr.io/org/web", "1.1.0", "sha256:bbb"),
    "nginx": ImageRef("nginx", "1.25.5"),
}


def _render(template: str | None, api_version: str = V1, result: Any = None) -> str:
    return render_commit_message(
        template,
        namespace=NAMESPACE,
        name=NAME,
        result=result or make_result(),
        values=VALUES,
        api_version=api_version,
        policies=POLICIES,
    )


@pytest.mark.parametrize("template", [None, ""])
def test_empty_template_gives_flux_default_message(template: str | None) -> None:
    assert _render(template) == DEFAULT_MESSAGE == "Update from image update automation"


@pytest.mark.parametrize(
    ("template", "field"),
    [
        ("{{ .Updated }}", ".Updated"),
        ("{{ range .Updated.Images }}{{ . }}{{ end }}", ".Updated.Images"),
        ("{{ $.Updated.Files }}", "$.Updated.Files"),
        ("{{ .Changed.ImageResult }}", ".Changed.ImageResult"),
        ("{{ with .Changed }}{{ .ImageResult.Images }}{{ end }}", ".ImageResult.Images"),
        # Detected statically, even in a branch that would not run.
        ("ok\n{{ if false }}{{ .Updated }}{{ end }}", ".Updated"),
        ('{{ define "x" }}{{ .Updated }}{{ end }}', ".Updated"),
    ],
)
def test_v1_templates_using_removed_fields_stall(template: str, field: str) -> None:
    with pytest.raises(RemovedTemplateFieldError) as info:
        _render(template)
    assert info.value.field == field
    assert isinstance(info.value, UpdateError)
    with pytest.raises(RemovedTemplateFieldError):
        validate_template(template, V1)


def test_removed_field_error_reports_the_line() -> None:
    with pytest.raises(RemovedTemplateFieldError) as info:
        validate_template("a\nb\n{{ .Updated }}", V1)
    assert info.value.line == 3


@pytest.mark.parametrize("template", ["{{ .Values.Updated }}", "{{ .Updated }}"])
def test_fields_named_updated_elsewhere_or_on_v1beta2_are_allowed(template: str) -> None:
    validate_template("{{ .Values.Updated }}", V1)
    validate_template(template, V1BETA2)
    assert _render("{{ .Values.Updated }}") == "<no value>"


@pytest.mark.parametrize("template", ["{{ .Changed | nope }}", "{{ if }}", "{{ .A "])
def test_validate_template_reports_parse_errors(template: str) -> None:
    with pytest.raises(CommitTemplateParseError) as info:
        validate_template(template)
    assert str(info.value).startswith(
        "unable to create commit message template from spec: template: commit message:1:"
    )


@pytest.mark.parametrize(
    ("template", "rendered"),
    [
        (None, DEFAULT_MESSAGE),
        ("", DEFAULT_MESSAGE),
        ("{{ .AutomationObject }}", f"{NAMESPACE}/{NAME}"),
    ],
)
def test_validate_template_accepts_what_renders(template: str | None, rendered: str) -> None:
    assert validate_template(template) is None
    assert _render(template) == rendered


def test_unknown_fields_pass_validation_and_fail_at_execution() -> None:
    # As in Flux: parsing cannot know the data's fields, executing the template can.
    template = "{{ .Changed.Nope }}"
    assert validate_template(template) is None
    with pytest.raises(CommitTemplateExecError) as info:
        _render(template)
    assert "can't evaluate field Nope in type update.Result" in str(info.value)


V1BETA2_DOCS_TEMPLATE = """Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Updated.Files -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $_ := .Updated.Objects -}}
- {{ $resource.Kind }} {{ $resource.Name }}
{{ end -}}

Images:
{{ range .Updated.Images -}}
- {{.}}
{{ end -}}
"""


def test_v1beta2_docs_example_with_updated() -> None:
    assert _render(V1BETA2_DOCS_TEMPLATE, V1BETA2) == (
        "Automated image update\n\n"
        "Automation name: flux-system/auto\n\n"
        "Files:\n"
        "- apps/web/deployment.yaml\n"
        "- apps/web/release.yaml\n"
        "- kustomization.yaml\n"
        "Objects:\n"
        "-  \n"
        "- Deployment web\n"
        "- HelmRelease web\n"
        "Images:\n"
        "- ghcr.io/org/web:1.1.0\n"
        "- nginx:1.25.5\n"
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "{{ range .Updated.Images }}{{ .Identifier }}|{{ .Repository }}|{{ .Registry }}|"
            "{{ .Name }}|{{ .Policy }}|{{ .Policy.Name }}|{{ .String }}\n{{ end }}",
            "1.1.0|org/web|ghcr.io|ghcr.io/org/web:1.1.0|flux-system/web|web|ghcr.io/org/web:1.1.0\n"
            "1.25.5|library/nginx|index.docker.io|index.docker.io/library/nginx:1.25.5"
            "|flux-system/nginx|nginx|nginx:1.25.5\n",
        ),
        # One ref per changed field: the HelmRelease has a :tag and a :digest change.
        (
            "{{ range $o, $refs := .Updated.Objects }}{{ $o.Kind }}={{ len $refs }} {{ end }}",
            "=1 Deployment=1 HelmRelease=2 ",
        ),
        ("{{ len .Changed.ImageResult.Images }} {{ len .Changed.FileChanges }}", "2 3"),
        ("{{ len .Changed.Changes }}", "4"),
    ],
)
def test_v1beta2_updated_data(template: str, expected: str) -> None:
    assert _render(template, V1BETA2) == expected


def test_v1beta2_skips_changes_of_unknown_policies() -> None:
    result = make_result()
    assert (
        render_commit_message(
            "{{ .Updated.Images }}",
            namespace=NAMESPACE,
            name=NAME,
            result=result,
            api_version="v1beta2",
            policies={"nginx": ImageRef("nginx", "1.25.5")},
        )
        == "[nginx:1.25.5]"
    )


@dataclass(frozen=True)
class _Id:
    api_version: str
    kind: str
    name: str
    namespace: str


@dataclass(frozen=True)
class _Change:
    old_value: str
    new_value: str
    setter: str


@dataclass
class _Result:
    """A stand-in with the shape of tagpilot.update.result.Result, to show duck typing."""

    file_changes: dict[str, dict[_Id, list[_Change]]] = field(default_factory=dict)

    def changes(self) -> list[_Change]:
        return [c for objs in self.file_changes.values() for cs in objs.values() for c in cs]

    def objects(self) -> dict[_Id, list[_Change]]:
        return {o: cs for objs in self.file_changes.values() for o, cs in objs.items()}


def test_any_result_shaped_object_is_accepted() -> None:
    stand_in = _Result({"a.yaml": {_Id("v1", "Pod", "p", "ns"): [_Change("a:1", "a:2", "ns:a")]}})
    tpl = "{{ range .Changed.Changes }}{{ .OldValue }}->{{ .NewValue }}{{ end }} "
    tpl += "{{ .Changed.Objects }}"
    assert _render(tpl, result=stand_in) == "a:1->a:2 map[{{{v1 Pod} {p ns}}}:[{a:1 a:2 ns:a}]]"


def test_empty_result_renders() -> None:
    assert _render("{{ len .Changed.FileChanges }}{{ .Changed.Changes }}", result=Result()) == "0[]"
