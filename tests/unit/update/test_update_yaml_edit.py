"""apply_to_file: marker placement, skipping, byte-exact edits."""

from __future__ import annotations

import pytest
from tagpilot.update.result import Change, ObjectIdentifier
from tagpilot.update.yaml_edit import apply_to_file

pytestmark = pytest.mark.unit

M = '# {"$imagepolicy": "ns:app"}'
SETTERS = {"ns:app": "app:2", "ns:app:tag": "2", "ns:app:digest": ""}


def test_no_token_is_not_parsed() -> None:
    # Invalid YAML without the token: not even reported as skipped.
    edit = apply_to_file(b"{{ not yaml: [\n# {$imagepolicy: ns:app}\n", SETTERS)
    assert edit.data is None and edit.skip_reason is None and edit.changes == {}


@pytest.mark.parametrize(
    "data",
    [
        f"{{{{- if .Values.x }}}}\nimage: app:1 {M}\n{{{{- end }}}}\n".encode(),
        f"- image: app:1 {M}\n".encode(),
        f"image: app:1 {M}\n---\njust a scalar\n".encode(),
        f"image: [app:1 {M}\n".encode(),
        f"metadata: scalar\nimage: app:1 {M}\n".encode(),
        f"image: app:1 {M}\n".encode() + b"\xff\n",
    ],
    ids=[
        "helm-template",
        "top-level-sequence",
        "scalar-document",
        "invalid",
        "bad-metadata",
        "not-utf8",
    ],
)
def test_unparseable_files_are_skipped_with_a_reason(data: bytes) -> None:
    edit = apply_to_file(data, SETTERS)
    assert edit.data is None and edit.changes == {}
    assert edit.skip_reason


def test_null_documents_are_ignored() -> None:
    edit = apply_to_file(f"~\n---\nimage: app:1 {M}\n---\n".encode(), SETTERS)
    assert edit.data == f"~\n---\nimage: app:2 {M}\n---\n".encode()


def test_anchor_is_edited_once_and_alias_left_alone() -> None:
    src = f"a: &img app:1 {M}\nb: *img\nc: [*img]\n"
    edit = apply_to_file(src.encode(), SETTERS)
    assert edit.data == f"a: &img app:2 {M}\nb: *img\nc: [*img]\n".encode()
    assert edit.changes == {ObjectIdentifier(): [Change("app:1", "app:2", "ns:app")]}


def test_tagged_value_keeps_its_tag() -> None:
    edit = apply_to_file(f"a: !!str app:1 {M}\n".encode(), SETTERS)
    assert edit.data == f"a: !!str app:2 {M}\n".encode()


def test_empty_value_never_carries_a_marker() -> None:
    # go-yaml gives the comment to the key when the value is empty.
    src = f"digest: {M}\nnext: x\n"
    assert apply_to_file(src.encode(), SETTERS).data is None


def test_multiline_plain_scalar_is_replaced_whole() -> None:
    src = f"a: app\n  :1 {M}\nb: x\n"
    edit = apply_to_file(src.encode(), SETTERS)
    assert edit.data == f"a: app:2 {M}\nb: x\n".encode()


def test_flow_sequence_item_head_comment() -> None:
    src = f"a: [\n  {M}\n  app:1,\n  x\n]\n"
    edit = apply_to_file(src.encode(), SETTERS)
    assert edit.data == f"a: [\n  {M}\n  'app:2',\n  x\n]\n".encode()


def test_head_comment_with_blank_line_is_not_directly_above() -> None:
    src = f"a:\n  {M}\n\n  - app:1\n"
    assert apply_to_file(src.encode(), SETTERS).data is None


def test_marker_on_mapping_value_node_is_ignored() -> None:
    src = f"a: {M}\n  b: app:1\n"
    assert apply_to_file(src.encode(), SETTERS).data is None


def test_digest_setter_may_blank_a_value() -> None:
    src = 'd: sha256:1 # {"$imagepolicy": "ns:app:digest"}\n'
    edit = apply_to_file(src.encode(), SETTERS)
    assert edit.data == b'd: "" # {"$imagepolicy": "ns:app:digest"}\n'


def test_list_in_a_multi_document_file_is_not_unwrapped() -> None:
    src = f"kind: List\nmetadata:\n  name: l\nitems:\n- kind: Pod\n  image: app:1 {M}\n---\nx: 1\n"
    edit = apply_to_file(src.encode(), SETTERS)
    assert list(edit.changes) == [ObjectIdentifier("", "List", "l", "")]


def test_list_wrapper_fields_are_not_visited() -> None:
    # kyaml drops the List wrapper, so a marker on the wrapper itself never applies.
    src = f"kind: List\nnote: app:1 {M}\nitems:\n- kind: Pod\n  image: app:1 {M}\n"
    edit = apply_to_file(src.encode(), SETTERS)
    assert (
        edit.data
        == f"kind: List\nnote: app:1 {M}\nitems:\n- kind: Pod\n  image: app:2 {M}\n".encode()
    )
    assert list(edit.changes) == [ObjectIdentifier("", "Pod", "", "")]
