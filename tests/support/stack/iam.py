"""A small IAM evaluator over a role's statements, and the authorization context of an AWS call.

Only what a function role needs: Allow/Deny statements with Action/NotAction and Resource
wildcards (no conditions: the template's function roles have none). How AWS authorizes the calls
tagpilot makes: ``SendMessageBatch`` as ``sqs:SendMessage``; a DynamoDB call on an index needs
the index ARN; ``BatchWriteItem`` needs its action on every table it writes; a transaction needs
each item's own action.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tests.support.stack.template import ACCOUNT, PARTITION, REGION

#: AWS managed policies SAM attaches (their statements as AWS publishes them).
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
    "AWSLambdaSQSQueueExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        },
    ],
    "AWSLambdaDynamoDBExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ],
}

_BATCH_AS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_TRANSACT |= {"ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


@dataclass(frozen=True)
class Grant:
    """One (action pattern, resource pattern) of an inline statement: the unit of "unused"."""

    sid: str
    action: str
    resource: str


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _match(pattern: str, value: str, *, fold: bool) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.S) is not None


class Policy:
    """The statements of one role (inline policies plus managed ones)."""

    def __init__(self, inline: list[dict[str, Any]], managed: list[dict[str, Any]]) -> None:
        self.inline = inline
        self.statements = inline + managed

    def grants(self) -> list[Grant]:
        return [
            Grant(s.get("Sid", ""), a, r)
            for s in self.inline
            if s.get("Effect") == "Allow"
            for a in _as_list(s.get("Action", []))
            for r in _as_list(s.get("Resource", []))
        ]

    def allows(
        self, action: str, resource: str, context: dict[str, list[str]] | None = None
    ) -> bool:
        allowed = False
        for s in self.statements:
            if "Condition" in s and not _conditions_hold(s["Condition"], context or {}):
                continue
            if "NotAction" in s:
                hit_action = not any(_match(p, action, fold=True) for p in _as_list(s["NotAction"]))
            else:
                hit_action = any(_match(p, action, fold=True) for p in _as_list(s["Action"]))
            hit_resource = any(_match(p, resource, fold=False) for p in _as_list(s["Resource"]))
            if hit_action and hit_resource:
                if s.get("Effect") == "Deny":
                    return False
                allowed = True
        return allowed

    def matching_grants(self, action: str, resource: str) -> list[Grant]:
        return [
            g
            for g in self.grants()
            if _match(g.action, action, fold=True) and _match(g.resource, resource, fold=False)
        ]


def _conditions_hold(condition: dict[str, Any], context: dict[str, list[str]]) -> bool:
    """The condition operators function roles use; any other fails closed (no match)."""
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            values = context.get(key)
            patterns = _as_list(wanted)
            if operator == "ForAllValues:StringLike":
                # As in IAM: true when the request has no such key (a Query without one).
                ok = all(any(_match(p, v, fold=False) for p in patterns) for v in values or [])
            elif operator in ("StringLike", "StringEquals"):
                ok = values is not None and any(
                    _match(p, v, fold=False) if operator == "StringLike" else p == v
                    for p in patterns
                    for v in values
                )
            else:
                return False
            if not ok:
                return False
    return True


def request_context(
    service: str, body: dict[str, Any], hash_keys: dict[str, str]
) -> dict[str, list[str]]:
    """Condition keys of a request: ``dynamodb:LeadingKeys`` (the partition key values)."""
    if service != "dynamodb" or "TableName" not in body:
        return {}
    hash_key = hash_keys.get(body["TableName"])
    item = body.get("Key") or body.get("Item") or {}
    if hash_key and hash_key in item:
        value = item[hash_key]
        return {"dynamodb:LeadingKeys": [str(next(iter(value.values())))]}
    if "KeyConditionExpression" in body:
        return {
            "dynamodb:LeadingKeys": [
                str(next(iter(v.values())))
                for v in (body.get("ExpressionAttributeValues") or {}).values()
            ][:1]
        }
    return {}


def table_arn(name: str, index: str | None = None) -> str:
    arn = f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def queue_arn(url: str) -> str:
    return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{url.rstrip('/').rsplit('/', 1)[-1]}"


def secret_arn(secret_id: str) -> str:
    if secret_id.startswith("arn:"):
        return secret_id
    # Secrets Manager appends six random characters to a secret's name in its ARN.
    return f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret_id}-AbCdEf"


def authorizations(service: str, operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """The (action, resource) pairs AWS checks for one call."""
    if service == "dynamodb":
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return [(f"dynamodb:{operation}", table_arn(t)) for t in body.get("RequestItems", {})]
        if operation in ("TransactWriteItems", "TransactGetItems"):
            out = []
            for item in body.get("TransactItems", []):
                for kind, spec in item.items():
                    out.append((f"dynamodb:{_TRANSACT[kind]}", table_arn(spec["TableName"])))
            return out
        if "TableName" in body:
            return [(f"dynamodb:{operation}", table_arn(body["TableName"], body.get("IndexName")))]
        return [(f"dynamodb:{operation}", "*")]
    if service == "sqs":
        action = _BATCH_AS.get(operation, operation)
        resource = queue_arn(body["QueueUrl"]) if "QueueUrl" in body else "*"
        return [(f"sqs:{action}", resource)]
    if service == "secretsmanager":
        name = body.get("SecretId") or body.get("Name")
        resource = secret_arn(name) if name else "*"
        out = [(f"secretsmanager:{operation}", resource)]
        if operation == "CreateSecret" and body.get("Tags"):
            out.append(("secretsmanager:TagResource", resource))
        return out
    if service == "ecr":
        if operation == "GetAuthorizationToken":
            return [("ecr:GetAuthorizationToken", "*")]
        repo = body.get("repositoryName", "*")
        registry = body.get("registryId", ACCOUNT)
        arn = f"arn:{PARTITION}:ecr:{REGION}:{registry}:repository/{repo}"
        return [(f"ecr:{operation}", arn)]
    if service == "sns":
        topic = body.get("TopicArn") or body.get("TargetArn") or "*"
        return [(f"sns:{operation}", topic)]
    if service == "events" and operation == "PutEvents":
        # IAM authorizes each entry against its bus (the default bus when none is named).
        return [
            ("events:PutEvents", event_bus_arn(entry.get("EventBusName") or "default"))
            for entry in body.get("Entries", [])
        ] or [("events:PutEvents", event_bus_arn("default"))]
    return [(f"{service}:{operation}", "*")]


def event_bus_arn(name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:event-bus/{name_or_arn}"


def access_denied(principal: str, action: str, resource: str) -> bytes:
    message = (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )
    return json.dumps(
        {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
    ).encode()


def s3_authorizations(
    method: str, path: str, query: dict[str, list[str]], headers: Any
) -> tuple[str, list[tuple[str, str]], dict[str, list[str]]]:
    """S3's REST API (path style): the operation, the (action, resource) pairs S3 checks and
    the condition keys (``s3:prefix`` for a listing).

    Object reads (GET, HEAD) are ``s3:GetObject``; writes, multipart parts and completion
    ``s3:PutObject``; a copy also needs ``s3:GetObject`` on its source; ``DeleteObjects`` checks
    ``s3:DeleteObject`` per key (the keys are in the body, see :func:`s3_delete_keys`).
    """
    from urllib.parse import unquote

    bucket, _, key = unquote(path).lstrip("/").partition("/")
    bucket_arn = f"arn:{PARTITION}:s3:::{bucket}"
    object_arn = f"{bucket_arn}/{key}"
    if not key:
        if method == "GET" and "location" not in query:
            prefix = (query.get("prefix") or [""])[0]
            return "ListObjectsV2", [("s3:ListBucket", bucket_arn)], {"s3:prefix": [prefix]}
        if method == "POST" and "delete" in query:
            return "DeleteObjects", [], {}
        return f"{method} bucket", [(f"s3:{method}Bucket", bucket_arn)], {}
    if method in ("GET", "HEAD"):
        return (
            ("GetObject" if method == "GET" else "HeadObject"),
            [("s3:GetObject", object_arn)],
            {},
        )
    if method == "DELETE":
        if "uploadId" in query:
            return "AbortMultipartUpload", [("s3:AbortMultipartUpload", object_arn)], {}
        return "DeleteObject", [("s3:DeleteObject", object_arn)], {}
    if method in ("PUT", "POST"):
        source = headers.get("x-amz-copy-source")
        if source and "partNumber" not in query:
            source_arn = f"arn:{PARTITION}:s3:::{unquote(source).lstrip('/').split('?')[0]}"
            return (
                "CopyObject",
                [
                    ("s3:PutObject", object_arn),
                    ("s3:GetObject", source_arn),
                ],
                {},
            )
        return "PutObject", [("s3:PutObject", object_arn)], {}
    return method, [(f"s3:{method}", object_arn)], {}


def s3_delete_keys(bucket: str, body: bytes) -> list[tuple[str, str]]:
    """``DeleteObjects``: ``s3:DeleteObject`` on every key of the request body."""
    from xml.sax.saxutils import unescape

    # The body is botocore's own <Delete><Object><Key>..</Key></Object>..</Delete>.
    keys = [unescape(k) for k in re.findall(r"<Key>(.*?)</Key>", body.decode(), flags=re.S)]
    return [("s3:DeleteObject", f"arn:{PARTITION}:s3:::{bucket}/{k}") for k in keys]
