"""Event sources as the transformed template declares them, driven step by step by the tests.

* SQS event source mappings: batch size, partial batch responses, the visibility timeout (a failed
  message becomes visible again once the harness clock passes it), redrive after
  ``maxReceiveCount`` (moto moves it on the next receive), FIFO group order (moto blocks a group
  while one of its messages is in flight).
* DynamoDB stream mappings: the filter criteria evaluated before invocation (EventBridge pattern
  semantics), batch size, retries with bisection, ``ReportBatchItemFailures``.
* EventBridge rules: the schedule, and event patterns; targets are invoked asynchronously, with
  the function's retry attempts and on-failure destination.
* The HTTP API's routes, with payload format 2.0.
* Alarms on queue depth and function errors, notifying their topics.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.support.stack.template import ACCOUNT, REGION


def _pattern(text: Any) -> Any:
    from moto.events.models import EventPattern

    return EventPattern.load(text if isinstance(text, str) else json.dumps(text))


@dataclass
class SqsMapping:
    stack: Any
    function: str
    queue_url: str
    queue_arn: str
    batch_size: int
    visibility_timeout: float
    report_failures: bool
    in_flight: dict[str, float] = field(default_factory=dict)  # receipt -> visible again at
    requests: int = 0  # SQS requests the mapping itself made (receive, delete)

    def release_expired(self) -> None:
        now = self.stack.clock()
        for receipt, at in list(self.in_flight.items()):
            if at <= now:
                self.stack.admin("sqs").change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
                )
                del self.in_flight[receipt]

    def poll(self) -> int:
        """One poll: receive up to the batch size, invoke, settle. Returns messages handled."""
        self.release_expired()
        sqs = self.stack.admin("sqs")
        self.requests += 1
        messages = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    **m.get("Attributes", {}),
                    # SQS sets SenderId to the sending principal (moto: the account)
                    **(
                        {"SenderId": self.stack.gateway.message_senders[m["MessageId"]]}
                        if m["MessageId"] in self.stack.gateway.message_senders
                        else {}
                    ),
                },
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": self.queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
        inv = self.stack.invoke(self.function, {"Records": records})
        failed: set[str] = {m["MessageId"] for m in messages}
        if inv.error is None:
            failed = set()
            if self.report_failures and isinstance(inv.result, dict):
                failed = {f["itemIdentifier"] for f in inv.result.get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.requests += 1
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        for m in messages:
            receipt = m["ReceiptHandle"]
            # The function may have set its own backoff (ChangeMessageVisibility).
            timeout = self.stack.gateway.visibility.pop(receipt, self.visibility_timeout)
            if m["MessageId"] in failed:
                self.in_flight[receipt] = self.stack.clock() + timeout
        return len(messages)


@dataclass
class StreamMapping:
    stack: Any
    function: str
    stream_arn: str
    batch_size: int
    filters: list[Any]
    max_retries: int
    bisect: bool
    report_failures: bool
    iterators: dict[str, str] = field(default_factory=dict)
    last_sequence: dict[str, str] = field(default_factory=dict)
    filtered_out: int = 0
    delivered: int = 0
    iterator_renewals: int = 0

    def start(self) -> None:
        """Start reading every shard from its beginning.

        The template's ``StartingPosition: LATEST`` means "from when the mapping was created";
        the harness creates the mapping right after the table, before any write, so the trim
        horizon is that point. Unlike a LATEST iterator it can be taken again at any time
        without losing records (see :meth:`_resume`).
        """
        streams = self.stack.admin("dynamodbstreams")
        for shard in streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"][
            "Shards"
        ]:
            self.iterators[shard["ShardId"]] = self._resume(shard["ShardId"])

    def _resume(self, shard_id: str) -> str:
        """A fresh iterator for ``shard_id`` right after the last record read (Lambda's
        checkpoint), or at its trim horizon when none was read yet: never LATEST, which would
        skip what was written since the previous iterator was taken."""
        last = self.last_sequence.get(shard_id)
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
            if last
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator: str = self.stack.admin("dynamodbstreams").get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, **position
        )["ShardIterator"]
        return iterator

    def poll(self) -> int:
        streams = self.stack.admin("dynamodbstreams")
        described = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in described["Shards"]:
            if shard["ShardId"] not in self.iterators:
                self.iterators[shard["ShardId"]] = self._resume(shard["ShardId"])
        records: list[dict[str, Any]] = []
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            try:
                got = streams.get_records(ShardIterator=iterator)
            except (
                streams.exceptions.ExpiredIteratorException,
                streams.exceptions.TrimmedDataAccessException,
            ):
                # An iterator unused for 15 minutes expires (a long test in between): resume
                # from the checkpoint, as Lambda does.
                self.iterator_renewals += 1
                got = streams.get_records(ShardIterator=self._resume(shard_id))
            self.iterators[shard_id] = got.get("NextShardIterator")
            records += got["Records"]
            if got["Records"]:
                self.last_sequence[shard_id] = got["Records"][-1]["dynamodb"]["SequenceNumber"]
        passing = []
        for record in records:
            event = json.loads(json.dumps(record, default=_stream_default))
            event["eventSourceARN"] = self.stream_arn
            if any(p.matches_event(event) for p in self.filters):
                passing.append(event)
            else:
                self.filtered_out += 1
        for start in range(0, len(passing), self.batch_size):
            self._deliver(passing[start : start + self.batch_size], self.max_retries)
        return len(passing)

    def _deliver(self, batch: list[dict[str, Any]], retries: int) -> None:
        inv = self.stack.invoke(self.function, {"Records": batch})
        self.delivered += len(batch)
        if inv.error is None:
            failed = []
            if self.report_failures and isinstance(inv.result, dict):
                failed = [f["itemIdentifier"] for f in inv.result.get("batchItemFailures") or []]
            if not failed or retries <= 0:
                return
            seqs = [r["dynamodb"]["SequenceNumber"] for r in batch]
            first = min(seqs.index(s) for s in failed if s in seqs)
            self._deliver(batch[first:], retries - 1)
            return
        if retries <= 0:
            return
        if self.bisect and len(batch) > 1:
            half = len(batch) // 2
            self._deliver(batch[:half], retries - 1)
            self._deliver(batch[half:], retries - 1)
        else:
            self._deliver(batch, retries - 1)


def _stream_default(value: Any) -> Any:
    if hasattr(value, "timestamp"):
        return int(value.timestamp())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, set):
        return sorted(value)
    return str(value)


@dataclass
class AsyncTarget:
    """Lambda's asynchronous invocation: retries, then the on-failure destination or nothing."""

    stack: Any
    function: str
    retries: int = 2
    on_failure: str | None = None  # an SQS queue ARN
    dropped: list[dict[str, Any]] = field(default_factory=list)

    def send(self, event: dict[str, Any]) -> Any:
        for attempt in range(self.retries + 1):  # noqa: B007 - used after the loop
            inv = self.stack.invoke(self.function, event)
            if inv.error is None:
                return inv
        record = {
            "version": "1.0",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "requestContext": {
                "requestId": inv.request_id,
                "functionArn": self.stack.functions[self.function].spec.arn + ":$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempt + 1,
            },
            "requestPayload": event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": inv.error,
        }
        if self.on_failure is None:
            self.dropped.append(record)
        else:
            # Lambda sends to the destination with the function's execution role.
            self.stack.as_role(self.function, "sqs").send_message(
                QueueUrl=self.stack.queue_url_of_arn(self.on_failure),
                MessageBody=json.dumps(record),
            )
        return inv


@dataclass
class Rule:
    stack: Any
    name: str
    arn: str
    schedule: str | None
    pattern: Any
    targets: list[AsyncTarget]
    bus: str = "default"

    def fire(self, event: dict[str, Any] | None = None) -> list[Any]:
        """The schedule's event (``event`` None), or ``event`` if it matches the pattern."""
        if event is None:
            assert self.schedule is not None
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": ACCOUNT,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.stack.clock())),
                "region": REGION,
                "resources": [self.arn],
                "detail": {},
            }
        elif self.pattern is None or not self.pattern.matches_event(event):
            return []
        return [t.send(event) for t in self.targets]


@dataclass
class HttpApi:
    stack: Any
    api_id: str
    routes: list[tuple[str, re.Pattern[str], str, str, str]]  # method, regex, key, fn, version

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | list[tuple[str, str]],
        body: bytes = b"",
    ) -> tuple[int, dict[str, str], bytes]:
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
        merged: dict[str, str] = {}
        for k, v in pairs:
            merged[k.lower()] = f"{merged[k.lower()]},{v}" if k.lower() in merged else v
        for route_method, regex, key, function, version in self.routes:  # noqa: B007
            match = regex.fullmatch(path)
            if match and route_method in ("ANY", method):
                break
        else:
            return 404, {}, b'{"message":"Not Found"}'
        assert version == "2.0", "the stack tier models payload format 2.0 only"
        text = merged.get("content-type", "").startswith(("application/json", "text/"))
        now = self.stack.clock()
        event = {
            "version": "2.0",
            "routeKey": key,
            "rawPath": path,
            "rawQueryString": "",
            "headers": merged,
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": self.api_id,
                "domainName": f"{self.api_id}.execute-api.{REGION}.amazonaws.com",
                "domainPrefix": self.api_id,
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "192.0.2.10",
                    "userAgent": merged.get("user-agent", ""),
                },
                "requestId": hashlib.sha1(f"{now}{path}".encode()).hexdigest()[:16],
                "routeKey": key,
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
            "pathParameters": match.groupdict(),
            "body": body.decode() if text else base64.b64encode(body).decode(),
            "isBase64Encoded": not text,
        }
        inv = self.stack.invoke(function, event)
        if inv.error is not None:
            return 500, {}, b'{"message":"Internal Server Error"}'
        result = inv.result
        if not isinstance(result, dict) or "statusCode" not in result:
            return 200, {"content-type": "application/json"}, json.dumps(result).encode()
        out = result.get("body") or ""
        data = base64.b64decode(out) if result.get("isBase64Encoded") else out.encode()
        return int(result["statusCode"]), dict(result.get("headers") or {}), data


def http_routes(
    local: Any, api_logical_id: str
) -> list[tuple[str, re.Pattern[str], str, str, str]]:
    """Routes of an AWS::ApiGatewayV2::Api from its OpenAPI body, as SAM generated it."""
    body = local.stack.resolve(local.stack.resources[api_logical_id]["Properties"]["Body"])
    routes = []
    for path, methods in body["paths"].items():
        regex = re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)))
        for method, spec in methods.items():
            integration = spec["x-amazon-apigateway-integration"]
            uri = json.dumps(integration["uri"])
            function = next(f for f, fn in local.functions.items() if fn.spec.arn + "/" in uri)
            name = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            version = str(integration.get("payloadFormatVersion", "1.0"))
            routes.append((name, regex, f"{name} {path}", function, version))
    return routes
