"""The AWS endpoint the functions see: every call authorized against the caller's role, traced,
then forwarded to DynamoDB Local or moto.

Each function signs with its own access key id (its logical id), so the gateway knows the caller
the way IAM knows the role. It also keeps SQS FIFO's deduplication memory, which moto lacks: an
id seen in the last 5 minutes (by the harness clock) is accepted and never delivered, even when
the first message was already received and deleted.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.stack.iam import (
    Policy,
    access_denied,
    authorizations,
    request_context,
    s3_authorizations,
    s3_delete_keys,
)

DEDUP_WINDOW = 300.0
_CRED = re.compile(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request")


@dataclass
class Call:
    function: str
    service: str
    operation: str
    action: str
    resource: str
    allowed: bool


@dataclass
class FifoQueue:
    content_based: bool
    scope_group: bool
    seen: dict[str, float] = field(default_factory=dict)


class Gateway:
    """Start with :meth:`start`; ``endpoint`` is what the functions get as AWS_ENDPOINT_URL."""

    def __init__(self, dynamodb: str, moto: str, clock: Callable[[], float]) -> None:
        self.targets = {"dynamodb": urlsplit(dynamodb), "*": urlsplit(moto)}
        self.clock = clock
        self.roles: dict[str, tuple[str, Policy]] = {}  # access key -> (function, policy)
        #: SQS SenderId per principal (``<role unique id>:<session>``), and per message sent.
        self.sender_ids: dict[str, str] = {}
        self.message_senders: dict[str, str] = {}
        self.fifo: dict[str, FifoQueue] = {}  # queue name -> dedup memory
        self.hash_keys: dict[str, str] = {}  # table name -> partition key (condition keys)
        self.calls: list[Call] = []
        #: DynamoDB capacity the functions consumed: (table or index, "read"|"write") -> units.
        self.capacity: dict[tuple[str, str], float] = {}
        self.dropped_duplicates: list[tuple[str, str]] = []
        #: PutEvents entries the functions sent (function, entry), in order, until routed.
        self.bus_entries: list[tuple[str, dict[str, Any]]] = []
        #: Visibility timeouts the functions set on received messages: receipt -> seconds.
        self.visibility: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- setup ------------------------------------------------------------------------------
    def add_role(self, access_key: str, function: str, policy: Policy) -> None:
        self.roles[access_key] = (function, policy)

    def add_fifo_queue(self, name: str, *, content_based: bool, scope_group: bool) -> None:
        self.fifo[name] = FifoQueue(content_based, scope_group)

    def start(self) -> str:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                gateway._handle(self)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- one request ----------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        body = _read_body(req)
        match = _CRED.search(req.headers.get("Authorization", ""))
        access_key, service = (match.group(1), match.group(2)) if match else ("", "")
        target = req.headers.get("X-Amz-Target", "")
        s3: list[tuple[str, str]] | None = None
        if service == "s3":  # REST: the method and path say what the call is
            url = urlsplit(req.path)
            query = parse_qs(url.query, keep_blank_values=True)
            operation, s3, s3_context = s3_authorizations(req.command, url.path, query, req.headers)
            if operation == "DeleteObjects":
                s3 = s3_delete_keys(url.path.strip("/").split("/")[0], body)
            params: dict[str, Any] = {}
        elif target:
            operation = target.rsplit(".", 1)[-1]
            params = json.loads(body or b"{}")
        else:
            form = parse_qs(body.decode())
            operation = (form.get("Action") or [""])[0]
            params = {k: v[0] for k, v in form.items()}
        role = self.roles.get(access_key)
        if role is not None:
            function, policy = role
            if s3 is not None:
                context, checks = s3_context, s3
            else:
                context = request_context(service, params, self.hash_keys)
                checks = authorizations(service, operation, params)
            for action, resource in checks:
                allowed = policy.allows(action, resource, context)
                with self._lock:
                    self.calls.append(Call(function, service, operation, action, resource, allowed))
                if not allowed:
                    principal = f"arn:aws:sts::123456789012:assumed-role/{function}Role/{function}"
                    self._reply(
                        req,
                        400,
                        access_denied(principal, action, resource),
                        {
                            "x-amzn-ErrorType": "AccessDeniedException",
                            "Content-Type": "application/x-amz-json-1.0",
                        },
                    )
                    return
            if service == "events" and operation == "PutEvents":
                with self._lock:  # what reaches the buses; the harness routes it to the rules
                    self.bus_entries += [(function, e) for e in params.get("Entries", [])]
            if service == "sqs" and operation == "ChangeMessageVisibility":
                with self._lock:  # the function's own backoff; the SQS mapping honours it
                    self.visibility[params["ReceiptHandle"]] = float(params["VisibilityTimeout"])
        if service == "sqs" and operation in ("SendMessage", "SendMessageBatch") and target:
            handled = self._fifo_send(req, operation, params, body)
            if handled:
                return
        if service == "dynamodb" and role is not None:
            # Meter every function's capacity (DynamoDB Local reports it, GSIs included).
            params["ReturnConsumedCapacity"] = "INDEXES"
            status, data = self._forward(req, service, json.dumps(params).encode())
            if status == 200:
                self._meter(operation, json.loads(data or b"{}"))
            return
        status, data = self._forward(req, service, body)
        if service == "sqs" and operation in ("SendMessage", "SendMessageBatch") and role:
            self._record_senders(role[0], data if status == 200 else b"")

    def _record_senders(self, function: str, data: bytes) -> None:
        """Remember who sent each message, for the SenderId SQS gives its receivers."""
        sender = self.sender_ids.get(function)
        try:
            reply = json.loads(data or b"{}")
        except ValueError:
            return
        ids = [reply.get("MessageId")] + [e.get("MessageId") for e in reply.get("Successful", [])]
        with self._lock:
            for message_id in ids:
                if message_id and sender:
                    self.message_senders[message_id] = sender

    _WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")

    def _meter(self, operation: str, data: dict[str, Any]) -> None:
        consumed = data.get("ConsumedCapacity")
        kind = "write" if operation in self._WRITES else "read"
        with self._lock:
            for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
                table = entry.get("TableName", "?")
                own = (entry.get("Table") or {}).get("CapacityUnits")
                if own is None and not entry.get("GlobalSecondaryIndexes"):
                    own = entry.get("CapacityUnits", 0.0)
                key = (table, kind)
                self.capacity[key] = self.capacity.get(key, 0.0) + float(own or 0.0)
                for index, units in (entry.get("GlobalSecondaryIndexes") or {}).items():
                    key = (f"{table}/index/{index}", kind)
                    self.capacity[key] = self.capacity.get(key, 0.0) + float(
                        units.get("CapacityUnits", 0.0)
                    )

    def _forward(self, req: BaseHTTPRequestHandler, service: str, body: bytes) -> tuple[int, bytes]:
        target = self.targets.get(service, self.targets["*"])
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        headers = {
            k: v
            for k, v in req.headers.items()
            if k.lower() not in ("host", "transfer-encoding", "content-length")
        }
        headers["Host"] = target.netloc
        headers["Content-Length"] = str(len(body))
        conn.request(req.command, req.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        out = {k: v for k, v in resp.getheaders() if k.lower() not in ("transfer-encoding",)}
        conn.close()
        self._reply(req, resp.status, data, out)
        return resp.status, data

    @staticmethod
    def _reply(
        req: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str]
    ) -> None:
        req.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "connection", "date", "server"):
                req.send_header(k, v)
        if req.command == "HEAD":  # the size of what a GET would return, and no body
            length = next((v for k, v in headers.items() if k.lower() == "content-length"), "0")
            req.send_header("Content-Length", length)
            req.end_headers()
            return
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    # -- SQS FIFO deduplication window --------------------------------------------------
    def _dedup_key(self, queue: FifoQueue, entry: dict[str, Any]) -> str | None:
        dedup = entry.get("MessageDeduplicationId")
        if not dedup and queue.content_based:
            dedup = hashlib.sha256(entry["MessageBody"].encode()).hexdigest()
        if not dedup:
            return None
        return f"{entry.get('MessageGroupId', '')}\x00{dedup}" if queue.scope_group else dedup

    def _fifo_send(
        self, req: BaseHTTPRequestHandler, operation: str, params: dict[str, Any], body: bytes
    ) -> bool:
        name = params.get("QueueUrl", "").rstrip("/").rsplit("/", 1)[-1]
        queue = self.fifo.get(name)
        if queue is None:
            return False
        now = self.clock()
        entries = params["Entries"] if operation == "SendMessageBatch" else [params]
        fresh, duplicate = [], []
        with self._lock:
            queue.seen = {k: t for k, t in queue.seen.items() if now - t < DEDUP_WINDOW}
            batch_keys: set[str] = set()
            for entry in entries:
                key = self._dedup_key(queue, entry)
                if key is not None and (key in queue.seen or key in batch_keys):
                    duplicate.append(entry)
                    self.dropped_duplicates.append((name, key))
                else:
                    fresh.append(entry)
                    if key is not None:
                        batch_keys.add(key)
        if not duplicate:
            status, data = self._forward(req, "sqs", body)
            if status == 200:
                self._remember(queue, fresh, now)
            return True
        accepted = [self._fake_result(e) for e in duplicate]
        if operation == "SendMessage":
            self._reply(
                req,
                200,
                json.dumps(accepted[0]).encode(),
                {"Content-Type": "application/x-amz-json-1.0"},
            )
            return True
        result: dict[str, Any] = {"Successful": accepted, "Failed": []}
        if fresh:
            forwarded = self._raw_forward(req, "sqs", json.dumps({**params, "Entries": fresh}))
            result["Successful"] += forwarded.get("Successful", [])
            result["Failed"] += forwarded.get("Failed", [])
            self._remember(
                queue,
                [e for e in fresh if e["Id"] not in {f["Id"] for f in forwarded.get("Failed", [])}],
                now,
            )
        self._reply(
            req, 200, json.dumps(result).encode(), {"Content-Type": "application/x-amz-json-1.0"}
        )
        return True

    def _remember(self, queue: FifoQueue, entries: list[dict[str, Any]], now: float) -> None:
        with self._lock:
            for entry in entries:
                key = self._dedup_key(queue, entry)
                if key is not None:
                    queue.seen[key] = now

    def _raw_forward(self, req: BaseHTTPRequestHandler, service: str, text: str) -> Any:
        target = self.targets["*"]
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        headers = {k: v for k, v in req.headers.items() if k.lower() != "host"}
        headers["Host"] = target.netloc
        body = text.encode()
        headers["Content-Length"] = str(len(body))
        conn.request("POST", req.path, body=body, headers=headers)
        data = json.loads(conn.getresponse().read() or b"{}")
        conn.close()
        return data

    @staticmethod
    def _fake_result(entry: dict[str, Any]) -> dict[str, Any]:
        out = {
            "MessageId": str(uuid.uuid4()),
            "MD5OfMessageBody": hashlib.md5(entry["MessageBody"].encode()).hexdigest(),
            "SequenceNumber": "0",
        }
        if "Id" in entry:
            out["Id"] = entry["Id"]
        return out


def _read_body(req: BaseHTTPRequestHandler) -> bytes:
    """The request body, by Content-Length or chunked transfer encoding."""
    if "chunked" in req.headers.get("Transfer-Encoding", "").lower():
        out = b""
        while True:
            size = int(req.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while req.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return out
            out += req.rfile.read(size)
            req.rfile.readline()
    length = int(req.headers.get("Content-Length") or 0)
    return req.rfile.read(length) if length else b""
