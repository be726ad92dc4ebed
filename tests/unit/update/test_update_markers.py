"""Marker comments, like kyaml FieldMeta.Read with the "$imagepolicy" short hand."""

from __future__ import annotations

import pytest
from tagpilot.update.markers import setter_name

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ('# {"$imagepolicy": "ns:app"}', "ns:app"),
        ('# {"$imagepolicy": "ns:app:tag"}', "ns:app:tag"),
        ('#{"$imagepolicy":"ns:app:name"}', "ns:app:name"),
        ('### {"$imagepolicy": "ns:app:digest"}', "ns:app:digest"),
        ('#   {  "$imagepolicy" :  "ns:app"  }   ', "ns:app"),
        ('# {"$imagepolicy": "ns:app", "note": "x"}', "ns:app"),
        ('# {"$imagepolicy": "ns:app", "note": null}', "ns:app"),
        ('# {"$ref": "#/definitions/io.k8s.cli.setters.ns:app:tag"}', "ns:app:tag"),
        ('# {"$ref": "#/definitions/io.k8s.cli.setters.ns:app", "x": 1}', "ns:app"),
        ('# {"$imagepolicy": "", "$ref": "#/definitions/io.k8s.cli.setters.ns:a"}', "ns:a"),
    ],
)
def test_marker_recognised(comment: str, expected: str) -> None:
    assert setter_name(comment) == expected


@pytest.mark.parametrize(
    "comment",
    [
        "# {'$imagepolicy': 'ns:app'}",  # not JSON
        '# {"$imagepolicy": "ns:app"} trailing',
        '# {"$imagepolicy": "ns:app", "n": 1}',  # non-string value
        '# {"$imagepolicy": "ns:app", "n": NaN}',
        '# {"$imagepolicy": ""}',
        '# {"$imagepolicy": null}',
        '# {"imagepolicy": "ns:app"}',
        '# ["$imagepolicy", "ns:app"]',
        "# plain comment",
        "#",
        '# {"$ref": "#/definitions/io.k8s.cli.substitutions.ns:app"}',
        '# {"$ref": "#/definitions/io.k8s.cli.setters."}',
        '# {"$ref": 5}',
        '# {"$imagepolicy": "ns:app"}\n# second line',
    ],
)
def test_not_a_marker(comment: str) -> None:
    assert setter_name(comment) is None
