"""The stack tier's IAM evaluator, on its own: what AWS allows and refuses."""

from __future__ import annotations

import pytest

from tests.support.stack.iam import Policy, authorizations, request_context, table_arn

pytestmark = pytest.mark.stack

T = table_arn("objects")
POLICY = Policy(
    [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": T},
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{T}/index/due-index"},
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": "arn:aws:sqs:us-east-1:123456789012:scan",
        },
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "Resource": table_arn("leases"),
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["budget#*"]}},
        },
    ],
    [],
)


def _allowed(service: str, operation: str, body: dict) -> bool:
    context = request_context(service, body, {"leases": "lease", "objects": "kind"})
    return all(
        POLICY.allows(action, resource, context)
        for action, resource in authorizations(service, operation, body)
    )


@pytest.mark.parametrize(
    ("service", "operation", "body", "allowed"),
    [
        ("dynamodb", "GetItem", {"TableName": "objects", "Key": {"kind": {"S": "x"}}}, True),
        ("dynamodb", "UpdateItem", {"TableName": "objects", "Key": {"kind": {"S": "x"}}}, False),
        # An index needs its own ARN: the table's does not cover it.
        ("dynamodb", "Query", {"TableName": "objects", "IndexName": "due-index"}, True),
        ("dynamodb", "Query", {"TableName": "objects", "IndexName": "ref-index"}, False),
        # SendMessageBatch is authorized as sqs:SendMessage.
        (
            "sqs",
            "SendMessageBatch",
            {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/scan"},
            True,
        ),
        (
            "sqs",
            "SendMessageBatch",
            {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/other"},
            False,
        ),
        ("dynamodb", "BatchWriteItem", {"RequestItems": {"objects": []}}, False),
        # Conditions: the leading key must match.
        ("dynamodb", "GetItem", {"TableName": "leases", "Key": {"lease": {"S": "budget#r"}}}, True),
        (
            "dynamodb",
            "GetItem",
            {"TableName": "leases", "Key": {"lease": {"S": "git:x#main"}}},
            False,
        ),
    ],
)
def test_authorization(service: str, operation: str, body: dict, allowed: bool) -> None:
    assert _allowed(service, operation, body) is allowed


def test_unknown_condition_operators_fail_closed() -> None:
    policy = Policy(
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            }
        ],
        [],
    )
    assert not policy.allows("s3:GetObject", "arn:aws:s3:::b/k", {})


def test_deny_wins() -> None:
    policy = Policy(
        [
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"},
        ],
        [],
    )
    assert policy.allows("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")
    assert not policy.allows("sqs:DeleteQueue", "arn:aws:sqs:us-east-1:1:q")


#: The source function's S3 statements, as the template writes them.
S3_POLICY = Policy(
    [
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": "arn:aws:s3:::art/ocirepository/*",
        },
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::art",
            "Condition": {"StringLike": {"s3:prefix": ["ocirepository/*"]}},
        },
    ],
    [],
)

_DELETE = b"<Delete><Object><Key>ocirepository/a/b/x.tar.gz</Key></Object>%s</Delete>"


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "operation", "allowed"),
    [
        ("PUT", "/art/ocirepository/a/b/x.tar.gz", {}, b"", "PutObject", True),
        ("PUT", "/art/other/x.tar.gz", {}, b"", "PutObject", False),
        ("HEAD", "/art/ocirepository/a/b/x.tar.gz", {}, b"", "HeadObject", True),
        ("GET", "/art/ocirepository/a/b/x.tar.gz", {}, b"", "GetObject", True),
        ("DELETE", "/art/ocirepository/a/b/x.tar.gz", {}, b"", "DeleteObject", True),
        # A copy needs s3:GetObject on its source too.
        (
            "PUT",
            "/art/ocirepository/a/b/latest.tar.gz",
            {"x-amz-copy-source": "art/ocirepository/a/b/x.tar.gz"},
            b"",
            "CopyObject",
            True,
        ),
        (
            "PUT",
            "/art/ocirepository/a/b/latest.tar.gz",
            {"x-amz-copy-source": "/art/secrets/key"},
            b"",
            "CopyObject",
            False,
        ),
        ("GET", "/art?list-type=2&prefix=ocirepository/a/b/", {}, b"", "ListObjectsV2", True),
        ("GET", "/art?list-type=2&prefix=", {}, b"", "ListObjectsV2", False),
        ("POST", "/art?delete", {}, _DELETE % b"", "DeleteObjects", True),
        (
            "POST",
            "/art?delete",
            {},
            _DELETE % b"<Object><Key>elsewhere/y</Key></Object>",
            "DeleteObjects",
            False,
        ),
    ],
)
def test_s3_calls_are_authorized_as_s3_does(
    method: str, path: str, headers: dict, body: bytes, operation: str, allowed: bool
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from tests.support.stack.iam import s3_authorizations, s3_delete_keys

    url = urlsplit(path)
    query = parse_qs(url.query, keep_blank_values=True)
    name, checks, context = s3_authorizations(method, url.path, query, headers)
    if name == "DeleteObjects":
        checks = s3_delete_keys("art", body)
    assert name == operation
    assert checks
    assert all(S3_POLICY.allows(a, r, context) for a, r in checks) == allowed
