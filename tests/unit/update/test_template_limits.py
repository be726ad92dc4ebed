"""Commit message templates cannot exhaust memory or time (README: "Limits").

Through :func:`render_commit_message`, the renderer the automation uses: output over
:data:`MAX_TEMPLATE_OUTPUT_BYTES`, more than :data:`MAX_TEMPLATE_STEPS` executed nodes and the
Sprig/fmt amplifiers (``repeat``, ``indent``, a ``printf`` width) end in a template error
instead of gigabytes or an endless loop.
"""

from __future__ import annotations

import pytest
from tagpilot.limits import MAX_TEMPLATE_OUTPUT_BYTES, MAX_TEMPLATE_STEPS
from tagpilot.update.result import Change, ObjectIdentifier, Result
from tagpilot.update.template import CommitTemplateExecError, render_commit_message

pytestmark = pytest.mark.unit


def _render(template: str) -> str:
    result = Result()
    result.add_change(
        "app.yaml",
        ObjectIdentifier("apps/v1", "Deployment", "app", "default"),
        Change("app:1.0", "app:1.1", "flux-system:app"),
    )
    return render_commit_message(template, namespace="flux-system", name="auto", result=result)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ range 100000000 }}x{{ end }}", "output exceeds 64 KiB"),
        ("{{ range 1000000000 }}{{ end }}", f"executed more than {MAX_TEMPLATE_STEPS} steps"),
        (
            '{{ repeat 1000000000 "xxxxxxxxxx" }}',
            "repeat: result exceeds 64 KiB (tagpilot's template output limit)",
        ),
        ('{{ indent 1000000000 "x" }}', "indent: result exceeds 64 KiB"),
        ('{{ printf "%s" (repeat 70000 "x") }}', "repeat: result exceeds 64 KiB"),
    ],
)
def test_runaway_templates_stop_at_the_limit(template: str, message: str) -> None:
    with pytest.raises(CommitTemplateExecError) as info:
        _render(template)
    assert message in str(info.value)


def test_output_just_under_the_limit_renders() -> None:
    text = _render(f'{{{{ repeat {MAX_TEMPLATE_OUTPUT_BYTES} "x" }}}}')
    assert text == "x" * MAX_TEMPLATE_OUTPUT_BYTES


def test_printf_width_over_a_million_is_gos_noverb_not_a_gigabyte() -> None:
    # Go's fmt stops parsing a width over 1e6 and reports a missing verb.
    assert _render('{{ printf "%99999999999d" 1 }}') == "%!(NOVERB)%!(EXTRA int=1)"


def test_ordinary_templates_are_unaffected() -> None:
    text = _render("{{ range .Changed.Changes }}{{ .OldValue }} -> {{ .NewValue }}{{ end }}")
    assert text == "app:1.0 -> app:1.1"
