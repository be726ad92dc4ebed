"""Manifest validation: every ImageRepository field, metadata, secrets, precise messages."""

from __future__ import annotations

import base64
import textwrap

import pytest
from tagpilot.api.errors import ManifestError
from tagpilot.api.loader import load, parse_documents, validate_document

pytestmark = pytest.mark.unit

BASE = {
    "apiVersion": "image.toolkit.fluxcd.io/v1",
    "kind": "ImageRepository",
    "metadata": {"name": "app", "namespace": "apps"},
    "spec": {"image": "ghcr.io/org/app", "interval": "5m"},
}


def repo(**spec_changes: object) -> dict:
    doc = {**BASE, "spec": {**BASE["spec"], **spec_changes}}
    return {k: v for k, v in doc.items()}


def errors_of(doc: dict) -> list[str]:
    return [str(e) for e in validate_document("f.yaml", 1, doc, "default").errors]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"interval": "5x"}, "spec.interval: invalid duration '5x'"),
        ({"interval": "1d"}, "spec.interval: invalid duration '1d'"),
        ({"timeout": "1h"}, "spec.timeout: invalid duration '1h'"),
        ({"timeout": 30}, "spec.timeout: must be a string, not integer"),
        (
            {"image": "https://ghcr.io/org/app"},
            "spec.image: image 'https://ghcr.io/org/app' should not include URL scheme",
        ),
        (
            {"image": "ghcr.io/org/app:1.0"},
            "spec.image: image 'ghcr.io/org/app:1.0' should not include a tag",
        ),
        ({"provider": "oracle"}, "spec.provider: unsupported value 'oracle'"),
        ({"provider": "azure"}, "spec.provider: provider 'azure' is not supported by tagpilot"),
        ({"exclusionList": ["(?=x)"]}, "spec.exclusionList[0]: invalid regular expression"),
        ({"exclusionList": ["a"] * 26}, "spec.exclusionList: must have at most 25 items"),
        ({"insecure": "yes"}, "spec.insecure: must be a boolean, not string"),
        ({"secretRef": {"nam": "x"}}, "spec.secretRef.nam: unknown field"),
        ({"serviceAccountName": "sa"}, "spec.serviceAccountName: not supported by tagpilot"),
        (
            {"accessFrom": {"namespaceSelectors": [{"matchLabels": {"a": 1}}]}},
            "spec.accessFrom.namespaceSelectors[0].matchLabels.a: must be a string",
        ),
        ({"bogus": True}, "spec.bogus: unknown field"),
    ],
)
def test_image_repository_field_errors(changes: dict, expected: str) -> None:
    found = errors_of(repo(**changes))
    assert any(e.startswith(expected) for e in found), found


def test_required_fields_are_named() -> None:
    doc = {**BASE, "spec": {}}
    assert errors_of(doc) == [
        "spec.image: required field is missing",
        "spec.interval: required field is missing",
    ]


@pytest.mark.parametrize(
    "version", ["image.toolkit.fluxcd.io/v1", "image.toolkit.fluxcd.io/v1beta2"]
)
def test_both_served_versions_are_accepted(version: str) -> None:
    assert errors_of({**BASE, "apiVersion": version}) == []


def test_unknown_version_lists_supported_ones() -> None:
    found = errors_of({**BASE, "apiVersion": "image.toolkit.fluxcd.io/v1beta1"})
    assert found == [
        "apiVersion: unsupported apiVersion 'image.toolkit.fluxcd.io/v1beta1' for "
        "ImageRepository: use one of image.toolkit.fluxcd.io/v1beta2, image.toolkit.fluxcd.io/v1"
    ]


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"namespace": "apps"}, "metadata.name: required field is missing"),
        ({"name": "App", "namespace": "apps"}, "metadata.name: invalid value 'App'"),
        ({"name": "app", "namespace": "a.b"}, "metadata.namespace: invalid value 'a.b'"),
        ({"name": "app", "labels": {"-bad": "x"}}, "metadata.labels.-bad: invalid label key"),
    ],
)
def test_metadata_errors(meta: dict, expected: str) -> None:
    found = errors_of({**BASE, "metadata": meta})
    assert any(e.startswith(expected) for e in found), found


def test_default_namespace_and_resource_fields() -> None:
    doc = {**BASE, "metadata": {"name": "app", "labels": {"team": "a"}, "annotations": {"x": "y"}}}
    loaded = validate_document("f.yaml", 3, doc, "default")
    assert loaded.valid and loaded.resource is not None
    assert (loaded.resource.namespace, loaded.resource.labels, loaded.resource.annotations) == (
        "default",
        {"team": "a"},
        {"x": "y"},
    )
    assert loaded.describe() == "f.yaml: document 3 (ImageRepository default/app)"


def test_errors_name_file_document_and_field(tmp_path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        textwrap.dedent("""\
        apiVersion: v1
        kind: Namespace
        metadata: {name: apps}
        ---
        apiVersion: image.toolkit.fluxcd.io/v1
        kind: ImageRepository
        metadata: {name: app, namespace: apps}
        spec: {image: alpine, interval: 10}
        """)
    )
    docs = load([str(path)])
    assert docs[0].valid
    assert docs[1].error_lines() == [
        f"{path}: document 2 (ImageRepository apps/app): "
        "spec.interval: must be a string, not integer"
    ]


def test_yaml_syntax_error_names_line(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: [unclosed\n")
    with pytest.raises(ManifestError, match=r"bad.yaml: invalid YAML at line 2"):
        load([str(path)])


def test_missing_path_is_an_error() -> None:
    with pytest.raises(ManifestError, match="no-such.yaml: no such file or directory"):
        load(["no-such.yaml"])


def test_directory_is_walked_for_yaml(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ns.yml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"
    )
    (tmp_path / "notes.txt").write_text("kind: nothing")
    assert [d.kind for d in load([str(tmp_path)])] == ["Namespace"]


def _secret(**fields: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "apps"},
        **fields,
    }


def test_secret_data_and_string_data_are_decoded() -> None:
    doc = _secret(
        type="Opaque", data={"a": base64.b64encode(b"one").decode()}, stringData={"b": "two"}
    )
    loaded = validate_document("s.yaml", 1, doc, "default")
    assert loaded.secret == {"type": "Opaque", "data": {"a": "one", "b": "two"}}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"data": {"a": "!!notbase64"}}, "data.a: is not valid base64-encoded UTF-8 text"),
        (
            {"type": "kubernetes.io/dockerconfigjson", "stringData": {"x": "y"}},
            "data: a kubernetes.io/dockerconfigjson secret needs the key .dockerconfigjson",
        ),
        (
            {"type": "kubernetes.io/dockerconfigjson", "stringData": {".dockerconfigjson": "{"}},
            "data..dockerconfigjson: is not valid JSON",
        ),
        (
            {"type": "kubernetes.io/tls", "stringData": {"tls.crt": "c"}},
            "data: a kubernetes.io/tls secret needs the key tls.key",
        ),
        ({"type": "kubernetes.io/basic-auth"}, "type: unsupported value"),
    ],
)
def test_secret_errors_never_show_values(fields: dict, expected: str) -> None:
    found = errors_of(_secret(**fields))
    assert any(e.startswith(expected) for e in found), found
    assert not any("notbase64" in e for e in found)


def test_parse_documents_skips_empty_documents() -> None:
    assert parse_documents("x", "---\n---\na: 1\n---\n") == [{"a": 1}]
