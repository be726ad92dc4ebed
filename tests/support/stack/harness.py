"""One local stack from template.yaml: services, resources, functions, event sources, report."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.stack import build, resources
from tests.support.stack.functions import Function, FunctionSpec, Invocation
from tests.support.stack.gateway import Gateway
from tests.support.stack.iam import MANAGED_POLICIES, Grant, Policy
from tests.support.stack.sources import (
    AsyncTarget,
    HttpApi,
    Rule,
    SqsMapping,
    StreamMapping,
    _pattern,
    http_routes,
)
from tests.support.stack.template import (
    ACCOUNT,
    REGION,
    Stack,
    load_template,
    role_unique_id,
    transform,
)

TEMPLATE = build.ROOT / "template.yaml"


#: Event source mapping properties the tier models (sources.py). Anything else in the template
#: (DestinationConfig, MaximumRecordAgeInSeconds, MaximumBatchingWindowInSeconds, ...) fails the
#: tier until it is modelled, so the template cannot declare behaviour the tier ignores.
#: StartingPosition: the mapping is created with the table, so LATEST and TRIM_HORIZON read the
#: same records.
MODELLED_MAPPING_PROPERTIES = {
    "EventSourceArn",
    "FunctionName",
    "BatchSize",
    "FunctionResponseTypes",
    "FilterCriteria",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "StartingPosition",
}


def _bus_name(name_or_arn: str) -> str:
    """A bus is named by its name or its ARN (``...:event-bus/<name>``)."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.rsplit("event-bus/", 1)[-1]
    return name_or_arn


@dataclass
class Clock:
    """The harness's clock: real time plus whatever the test skipped (never sleeps)."""

    skipped: float = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


@dataclass
class LocalStack:
    dynamodb_endpoint: str
    workdir: Path
    name: str = "tagpilot"
    parameters: dict[str, str] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)

    def start(self) -> LocalStack:
        from moto.server import ThreadedMotoServer

        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_endpoint = f"http://{host}:{port}"
        self.source_template = load_template(TEMPLATE)
        self.stack = Stack(self.name, transform(self.source_template), self.parameters)
        self.gateway = Gateway(self.dynamodb_endpoint, self.moto_endpoint, self.clock)
        self.endpoint = self.gateway.start()
        self._clients: dict[str, Any] = {}
        self.stream_arns = resources.create_tables(self.stack, self.admin("dynamodb"))
        for logical_id, table in self.stack.of_type("AWS::DynamoDB::Table").items():
            [hash_key] = [
                k["AttributeName"]
                for k in table["Properties"]["KeySchema"]
                if k["KeyType"] == "HASH"
            ]
            self.gateway.hash_keys[self.stack.physical_name(logical_id)] = hash_key
        self.queues = resources.create_queues(self.stack, self.admin("sqs"))
        self.topics = resources.create_topics(self.stack, self.admin("sns"))
        resources.create_buckets_and_buses(self.stack, self.admin("s3"), self.admin("events"))
        for logical_id, props in self.queues.items():
            if props.get("FifoQueue"):
                self.gateway.add_fifo_queue(
                    self.stack.physical_name(logical_id),
                    content_based=bool(props.get("ContentBasedDeduplication")),
                    scope_group=props.get("DeduplicationScope") == "messageGroup",
                )
        self._functions()
        self._sources()
        return self

    def stop(self) -> None:
        for fn in getattr(self, "functions", {}).values():
            fn.kill()
        self.gateway.stop()
        self._moto.stop()

    # -- clients (the operator's: no role enforced) --------------------------------------
    def admin(self, service: str) -> Any:
        if service not in self._clients:
            import boto3

            endpoint = (
                self.dynamodb_endpoint
                if service in ("dynamodb", "dynamodbstreams")
                else self.moto_endpoint
            )
            self._clients[service] = boto3.client(
                service,
                endpoint_url=endpoint,
                region_name=REGION,
                aws_access_key_id="admin",
                aws_secret_access_key="admin",
            )
        return self._clients[service]

    def as_role(self, function: str, service: str) -> Any:
        """A client that calls through the gateway with ``function``'s role."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=function,
            aws_secret_access_key="x",
            aws_session_token="x",
        )

    def queue_url(self, logical_id: str) -> str:
        return self.stack.queue_urls[logical_id]

    def queue_url_of_arn(self, arn: str) -> str:
        name = arn.rsplit(":", 1)[-1]
        return next(u for u in self.stack.queue_urls.values() if u.endswith("/" + name))

    def table(self, logical_id: str) -> str:
        return self.stack.physical_name(logical_id)

    # -- functions ------------------------------------------------------------------------
    def _functions(self) -> None:
        python = build.python313()
        sam = self.source_template["Resources"]
        code_uris = {
            k: v["Properties"]["CodeUri"]
            for k, v in sam.items()
            if v["Type"] == "AWS::Serverless::Function"
        }
        built = build.sam_build(code_uris)
        layer = build.host_layer(python)
        self.functions: dict[str, Function] = {}
        self.policies: dict[str, Policy] = {}
        for logical_id, resource in self.stack.of_type("AWS::Lambda::Function").items():
            props = self.stack.resolve(resource["Properties"])
            role_id = resource["Properties"]["Role"]["Fn::GetAtt"][0]
            role = self.stack.resolve(self.stack.resources[role_id]["Properties"])
            inline = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
            managed = [
                s
                for arn in role.get("ManagedPolicyArns", [])
                for s in MANAGED_POLICIES[arn.rsplit("/", 1)[-1]]
            ]
            policy = Policy(inline, managed)
            self.policies[logical_id] = policy
            spec = FunctionSpec(
                logical_id=logical_id,
                name=self.stack.physical_name(logical_id),
                arn=self.stack.arn(logical_id),
                handler=props["Handler"],
                timeout=float(props.get("Timeout", 3)),
                memory_mb=int(props.get("MemorySize", 128)),
                environment={
                    k: str(v)
                    for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()
                },
                code_dir=built / logical_id,
                log_group=str((props.get("LoggingConfig") or {}).get("LogGroup", "")),
            )
            self.functions[logical_id] = Function(
                spec, python, layer, self.endpoint, self.workdir / f"{logical_id}.log"
            )
            self.gateway.add_role(logical_id, logical_id, policy)
            self.gateway.sender_ids[logical_id] = f"{role_unique_id(role_id)}:{spec.name}"

        # People: every AWS::IAM::ManagedPolicy of the template is a principal of its own.
        for logical_id, resource in self.stack.of_type("AWS::IAM::ManagedPolicy").items():
            doc = self.stack.resolve(resource["Properties"]["PolicyDocument"])
            self.policies[logical_id] = Policy(doc["Statement"], [])
            self.gateway.add_role(logical_id, logical_id, self.policies[logical_id])

    def invoke(self, function: str, event: Any) -> Invocation:
        return self.functions[function].invoke(event)

    # -- event sources --------------------------------------------------------------------
    def _function_of(self, value: Any) -> str:
        text = json.dumps(value)
        return next(f for f in self.functions if re.search(rf'"{f}"', text))

    def _sources(self) -> None:
        self.sqs_mappings: list[SqsMapping] = []
        self.stream_mappings: list[StreamMapping] = []
        for resource in self.stack.of_type("AWS::Lambda::EventSourceMapping").values():
            raw = resource["Properties"]
            props = self.stack.resolve(raw)
            unmodelled = set(props) - MODELLED_MAPPING_PROPERTIES
            if unmodelled:  # e.g. an on-failure destination or a maximum record age
                raise NotImplementedError(
                    f"the stack tier does not model {sorted(unmodelled)} of event source "
                    "mappings yet: model them in tests/support/stack/sources.py"
                )
            function = self._function_of(raw["FunctionName"])
            source = raw["EventSourceArn"]["Fn::GetAtt"][0]
            reports = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
            if self.stack.resources[source]["Type"] == "AWS::SQS::Queue":
                self.sqs_mappings.append(
                    SqsMapping(
                        self,
                        function,
                        self.queue_url(source),
                        self.stack.arn(source),
                        int(props.get("BatchSize", 10)),
                        float(self.queues[source].get("VisibilityTimeout", 30)),
                        reports,
                    )
                )
            else:
                filters = [
                    _pattern(f["Pattern"])
                    for f in (props.get("FilterCriteria") or {}).get("Filters", [])
                ]
                mapping = StreamMapping(
                    self,
                    function,
                    self.stream_arns[source],
                    int(props.get("BatchSize", 100)),
                    filters or [_pattern("{}")],
                    int(props.get("MaximumRetryAttempts", 10_000)),
                    bool(props.get("BisectBatchOnFunctionError")),
                    reports,
                )
                mapping.start()
                self.stream_mappings.append(mapping)
        invoke_configs = {
            self._function_of(r["Properties"]["FunctionName"]): self.stack.resolve(r["Properties"])
            for r in self.stack.of_type("AWS::Lambda::EventInvokeConfig").values()
        }
        self.rules: dict[str, Rule] = {}
        #: Every event put on a bus, by the tests or the functions: (bus name, event).
        self.bus_events: list[tuple[str, dict[str, Any]]] = []
        for logical_id, resource in self.stack.of_type("AWS::Events::Rule").items():
            props = self.stack.resolve(resource["Properties"])
            targets = []
            for raw_target in resource["Properties"]["Targets"]:
                if not any(f'"{f}"' in json.dumps(raw_target["Arn"]) for f in self.functions):
                    continue  # a target that is not one of the stack's functions
                function = self._function_of(raw_target["Arn"])
                config = invoke_configs.get(function, {})
                on_failure = (config.get("DestinationConfig") or {}).get("OnFailure") or {}
                targets.append(
                    AsyncTarget(
                        self,
                        function,
                        int(config.get("MaximumRetryAttempts", 2)),
                        on_failure.get("Destination"),
                    )
                )
            pattern = _pattern(props["EventPattern"]) if "EventPattern" in props else None
            self.rules[logical_id] = Rule(
                self,
                logical_id,
                self.stack.arn(logical_id),
                props.get("ScheduleExpression"),
                pattern,
                targets,
                _bus_name(props.get("EventBusName") or "default"),
            )
        self.apis = {
            logical_id: HttpApi(self, logical_id.lower()[:10], http_routes(self, logical_id))
            for logical_id in self.stack.of_type("AWS::ApiGatewayV2::Api")
        }

    def schedule(self) -> list[Any]:
        """Fire every schedule rule once (one tick of EventBridge)."""
        return [inv for rule in self.rules.values() if rule.schedule for inv in rule.fire()]

    def put_event(self, event: dict[str, Any], bus: str = "default") -> list[Any]:
        """An event on ``bus``: every matching rule of that bus invokes its targets."""
        self.bus_events.append((bus, event))
        return [
            inv
            for rule in self.rules.values()
            if rule.pattern and rule.bus == bus
            for inv in rule.fire(event)
        ]

    def route_bus_entries(self) -> int:
        """Hand what the functions put on the buses (``PutEvents``) to the rules of each bus,
        as EventBridge does: the entry becomes an event, every matching rule's targets are
        invoked asynchronously. Returns the entries routed."""
        with self.gateway._lock:
            entries, self.gateway.bus_entries = self.gateway.bus_entries, []
        for _function, entry in entries:
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": entry.get("DetailType", ""),
                "source": entry.get("Source", ""),
                "account": ACCOUNT,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock())),
                "region": REGION,
                "resources": entry.get("Resources", []),
                "detail": json.loads(entry.get("Detail") or "{}"),
            }
            self.put_event(event, _bus_name(entry.get("EventBusName") or "default"))
        return len(entries)

    def http(self, method: str, path: str, headers: Any, body: bytes = b"") -> Any:
        [api] = self.apis.values()
        return api.request(method, path, headers, body)

    def drain(self, rounds: int = 50) -> int:
        """Poll every stream and queue mapping until nothing is left to deliver."""
        total = 0
        for _ in range(rounds):
            moved = sum(m.poll() for m in self.stream_mappings)
            moved += sum(m.poll() for m in self.sqs_mappings)
            moved += self.route_bus_entries()
            total += moved
            if not moved:
                break
        return total

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for the queues (visibility timeouts, the dedup window)."""
        self.clock.advance(seconds)
        for mapping in self.sqs_mappings:
            mapping.release_expired()

    # -- alarms ---------------------------------------------------------------------------
    def evaluate_alarms(self) -> list[str]:
        """Evaluate queue-depth and function alarms now; notify their actions. Returns names."""
        fired = []
        for logical_id, resource in self.stack.of_type("AWS::CloudWatch::Alarm").items():
            props = self.stack.resolve(resource["Properties"])
            dims = {d["Name"]: d["Value"] for d in props.get("Dimensions", [])}
            value = self._metric(props["Namespace"], props["MetricName"], dims)
            if value is None:
                continue
            op = props["ComparisonOperator"]
            threshold = float(props["Threshold"])
            breaching = {
                "GreaterThanThreshold": value > threshold,
                "GreaterThanOrEqualToThreshold": value >= threshold,
                "LessThanThreshold": value < threshold,
            }[op]
            if not breaching:
                continue
            fired.append(logical_id)
            for topic in props.get("AlarmActions", []):
                self.admin("sns").publish(
                    TopicArn=topic,
                    Subject=f'ALARM: "{logical_id}" in US East (N. Virginia)',
                    Message=json.dumps(
                        {
                            "AlarmName": logical_id,
                            "NewStateValue": "ALARM",
                            "Trigger": {
                                "MetricName": props["MetricName"],
                                "Namespace": props["Namespace"],
                                "Dimensions": dims,
                            },
                        }
                    ),
                )
        return fired

    def _metric(self, namespace: str, metric: str, dims: dict[str, str]) -> float | None:
        if namespace == "AWS/SQS" and metric == "ApproximateNumberOfMessagesVisible":
            url = next(
                u for u in self.stack.queue_urls.values() if u.endswith("/" + dims["QueueName"])
            )
            attrs = self.admin("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            return float(attrs["ApproximateNumberOfMessages"])
        if namespace == "AWS/Lambda" and metric == "Errors":
            fn = next(f for f in self.functions.values() if f.spec.name == dims["FunctionName"])
            return float(sum(1 for i in fn.invocations if i.error))
        return None

    # -- the report -----------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """Every call per function (service, action, resource) and the grants never used."""
        calls: dict[str, Counter[tuple[str, str, str]]] = {f: Counter() for f in self.policies}
        used: dict[str, set[Grant]] = {f: set() for f in self.policies}
        denied = []
        for call in self.gateway.calls:
            calls[call.function][
                (call.action, call.resource, "allowed" if call.allowed else "DENIED")
            ] += 1
            if call.allowed:
                used[call.function] |= set(
                    self.policies[call.function].matching_grants(call.action, call.resource)
                )
            else:
                denied.append(call)
        return {
            "calls": {
                f: [
                    {"action": a, "resource": r, "result": res, "count": n}
                    for (a, r, res), n in sorted(c.items())
                ]
                for f, c in calls.items()
            },
            "unused_grants": {
                f: [g.__dict__ for g in self.policies[f].grants() if g not in used[f]]
                for f in self.policies
            },
            "denied": [c.__dict__ for c in denied],
            "account": ACCOUNT,
        }
