"""The deployed shape is part of the contract: assertions on template.yaml and samconfig.toml.

Most checks read the template as written. Permissions, runtimes and environments are checked on
the template after the SAM transform (run offline with samtranslator), because that is what
CloudFormation deploys: Globals merged, roles generated, event-source policies attached.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform
from tagpilot import config
from tagpilot.config import Settings
from tagpilot.store.models import build_models

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"

# Logical id -> (directory under functions/, timeout s, memory MB)
FUNCTIONS = {
    "DispatcherFunction": ("dispatcher", 60, 256),
    "ScanFunction": ("scan", 120, 256),
    "AutomationFunction": ("automation", 600, 1024),
    "WebhookFunction": ("webhook", 15, 256),
    "EcrEventsFunction": ("ecr_events", 30, 256),
    "SourceFunction": ("source", 300, 1024),
    "NotifyFunction": ("notify", 30, 256),
    "DeliveryFunction": ("delivery", 60, 256),
}

SECRETS = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
    ":secret:tagpilot/${Stage}/*"
)
ECR_REPOSITORIES = "arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*"


SECRETS_BY_FUNCTION = {
    "ScanFunction": "registry",
    "AutomationFunction": "git",
    "WebhookFunction": "receiver",
    "SourceFunction": "registry",
    "DeliveryFunction": "provider",
}


# SAM attaches these AWS managed policies for logging and for polling event sources.
MANAGED = "arn:aws:iam::aws:policy/service-role/"
EXPECTED_MANAGED_POLICIES = {
    "DispatcherFunction": {
        MANAGED + "AWSLambdaBasicExecutionRole",
        MANAGED + "AWSLambdaDynamoDBExecutionRole",
    },
    "ScanFunction": {
        MANAGED + "AWSLambdaBasicExecutionRole",
        MANAGED + "AWSLambdaSQSQueueExecutionRole",
    },
    "AutomationFunction": {
        MANAGED + "AWSLambdaBasicExecutionRole",
        MANAGED + "AWSLambdaSQSQueueExecutionRole",
    },
    "WebhookFunction": {MANAGED + "AWSLambdaBasicExecutionRole"},
    "EcrEventsFunction": {MANAGED + "AWSLambdaBasicExecutionRole"},
    "SourceFunction": {
        MANAGED + "AWSLambdaBasicExecutionRole",
        MANAGED + "AWSLambdaSQSQueueExecutionRole",
    },
    "NotifyFunction": {MANAGED + "AWSLambdaBasicExecutionRole"},
    "DeliveryFunction": {
        MANAGED + "AWSLambdaBasicExecutionRole",
        MANAGED + "AWSLambdaSQSQueueExecutionRole",
    },
}


class _NoManagedPolicyLookups:
    """The transform must not need IAM: the template names no managed policies by name."""

    def load(self) -> dict[str, str]:
        raise AssertionError("the SAM transform tried to look up managed policies")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    # cfn-lint's loader understands the short intrinsic tags (!Ref, !Sub, ...); the JSON round
    # trip turns its node classes into plain dicts and lists.
    loaded: dict[str, Any] = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    return loaded


@pytest.fixture(scope="module")
def deployed(template: dict[str, Any]) -> dict[str, Any]:
    """Resources of the template after the SAM transform."""
    source = copy.deepcopy(template)
    for resource in source["Resources"].values():
        props = resource.get("Properties", {})
        for uri in ("CodeUri", "ContentUri"):
            if uri in props:  # `sam package` replaces local paths with S3 URIs before the transform
                props[uri] = f"s3://bucket/{props[uri]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        result = transform(source, {}, _NoManagedPolicyLookups())
    resources: dict[str, Any] = result["Resources"]
    return resources


def _resources_of_type(template: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _name(value: Any) -> str:
    """Short form of an ARN expression.

    GetAtt X.Arn -> "X"; Sub "${X.Arn}/index/i" -> "X/index/i"; literal strings stay as they are.
    """
    if isinstance(value, str):
        return value
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn", value
        return str(logical_id)
    if "Fn::Sub" in value:
        return re.sub(r"\$\{(\w+)\.Arn\}", r"\1", value["Fn::Sub"])
    raise AssertionError(f"unexpected resource expression {value!r}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(deployed: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = deployed[deployed[function]["Properties"]["Role"]["Fn::GetAtt"][0]]
    return [
        statement
        for policy in role["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def _permissions(deployed: dict[str, Any], function: str) -> set[tuple[str, str]]:
    granted = set()
    for statement in _statements(deployed, function):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            for resource in _as_list(statement["Resource"]):
                granted.add((action, _name(resource)))
    return granted


# ---------------------------------------------------------------- functions and layer


def test_the_template_defines_exactly_the_known_functions(template: dict[str, Any]) -> None:
    assert set(_resources_of_type(template, "AWS::Serverless::Function")) == set(FUNCTIONS)


@pytest.mark.parametrize(
    ("function", "directory", "timeout", "memory"), [(k, *v) for k, v in FUNCTIONS.items()]
)
def test_function_runs_python313_on_arm64_with_the_layer(
    template: dict[str, Any],
    deployed: dict[str, Any],
    function: str,
    directory: str,
    timeout: int,
    memory: int,
) -> None:
    props = deployed[function]["Properties"]
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "app.lambda_handler"
    assert props["Timeout"] == timeout
    assert props["MemorySize"] == memory
    assert "TracingConfig" not in props
    [layer] = props["Layers"]
    assert deployed[layer["Ref"]]["Type"] == "AWS::Lambda::LayerVersion"
    assert layer["Ref"].startswith("TagpilotLayer")

    source = template["Resources"][function]
    assert source["Properties"]["CodeUri"] == f"functions/{directory}/"
    assert source["Metadata"] == {"BuildMethod": "makefile"}
    makefile = (ROOT / "functions" / directory / "Makefile").read_text()
    assert f"FUNCTION_LOGICAL_ID := {function}\n" in makefile


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_logs_to_its_own_log_group_with_retention(
    template: dict[str, Any], function: str
) -> None:
    group = template["Resources"][function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    resource = template["Resources"][group]
    assert resource["Type"] == "AWS::Logs::LogGroup"
    assert resource["Properties"]["RetentionInDays"] > 0
    others = {
        f: template["Resources"][f]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for f in FUNCTIONS
        if f != function
    }
    assert group not in others.values()


def test_layer_is_built_by_make_for_the_functions_runtime_and_architecture(
    template: dict[str, Any],
) -> None:
    layer = template["Resources"]["TagpilotLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["ContentUri"] == "layers/tagpilot/"
    assert layer["Properties"]["CompatibleRuntimes"] == [template["Globals"]["Function"]["Runtime"]]
    assert (
        layer["Properties"]["CompatibleArchitectures"]
        == (template["Globals"]["Function"]["Architectures"])
    )
    assert "build-TagpilotLayer:" in (ROOT / "layers/tagpilot/Makefile").read_text()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_gets_the_settings_tagpilot_needs_in_aws(
    deployed: dict[str, Any], function: str
) -> None:
    env = deployed[function]["Properties"]["Environment"]["Variables"]
    for name in (
        config.ENV_STAGE,
        config.ENV_OBJECTS_TABLE,
        config.ENV_TAGS_TABLE,
        config.ENV_LEASES_TABLE,
        config.ENV_SCAN_QUEUE_URL,
        config.ENV_AUTOMATION_QUEUE_URL,
        config.ENV_SECRETS_PREFIX,
    ):
        assert name in env, name
    assert env[config.ENV_OBJECTS_TABLE] == {"Ref": "ObjectsTable"}
    assert env[config.ENV_SECRETS_PREFIX] == {"Fn::Sub": "tagpilot/${Stage}/"}
    assert env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert env["POWERTOOLS_SERVICE_NAME"] == "tagpilot"
    # Every tagpilot variable is one the settings module reads (a typo would be ignored there).
    known = {v for k, v in vars(config).items() if k.startswith("ENV_")}
    assert {n for n in env if n.startswith("TAGPILOT_")} <= known


def test_only_the_webhook_gets_the_gcr_jwks_url(deployed: dict[str, Any]) -> None:
    having = {
        f
        for f in FUNCTIONS
        if config.ENV_GCR_JWKS_URL in deployed[f]["Properties"]["Environment"]["Variables"]
    }
    assert having == {"WebhookFunction"}
    env = deployed["WebhookFunction"]["Properties"]["Environment"]["Variables"]
    assert env[config.ENV_GCR_JWKS_URL] == {"Ref": "GcrJwksUrl"}


def test_parameters(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert set(params) == {"Stage", "LogLevel", "GcrJwksUrl", "AlarmEmail"}
    assert params["AlarmEmail"]["Default"] == ""
    assert params["Stage"]["Default"] == "dev"
    assert params["LogLevel"]["Default"] == "INFO"
    assert params["LogLevel"]["AllowedValues"] == ["DEBUG", "INFO", "WARNING", "ERROR"]
    assert params["GcrJwksUrl"]["Default"] == config.DEFAULT_GCR_JWKS_URL


# ---------------------------------------------------------------- permissions


# Which actions each function needs is checked where it can fail for real: the stack tier
# (tests/stack) runs the built functions with their roles enforced and reports unused grants.


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_reads_only_the_secrets_of_its_use(
    deployed: dict[str, Any], function: str
) -> None:
    granted = [
        _name(r)
        for statement in _statements(deployed, function)
        for r in _as_list(statement["Resource"])
        if any(a.startswith("secretsmanager:") for a in _as_list(statement["Action"]))
    ]
    use = SECRETS_BY_FUNCTION.get(function)
    assert granted == ([SECRETS.replace("${Stage}/*", f"${{Stage}}/_{use}/*")] if use else [])
    for statement in _statements(deployed, function):
        actions = _as_list(statement["Action"])
        if any(a.startswith("secretsmanager:") for a in actions):
            assert actions == ["secretsmanager:GetSecretValue"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_role_has_only_the_expected_managed_policies(
    deployed: dict[str, Any], function: str
) -> None:
    role = deployed[deployed[function]["Properties"]["Role"]["Fn::GetAtt"][0]]
    assert set(role["Properties"]["ManagedPolicyArns"]) == EXPECTED_MANAGED_POLICIES[function]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_wildcard_actions_and_star_resource_only_for_ecr_login(
    deployed: dict[str, Any], function: str
) -> None:
    for statement in _statements(deployed, function):
        actions = _as_list(statement["Action"])
        assert not any("*" in a for a in actions), statement
        if "*" in _as_list(statement["Resource"]):
            assert actions == ["ecr:GetAuthorizationToken"], statement


def test_indexes_named_in_policies_exist(
    template: dict[str, Any], deployed: dict[str, Any]
) -> None:
    indexes = {
        f"ObjectsTable/index/{gsi['IndexName']}"
        for gsi in template["Resources"]["ObjectsTable"]["Properties"]["GlobalSecondaryIndexes"]
    }
    used = {
        _name(r)
        for f in FUNCTIONS
        for statement in _statements(deployed, f)
        for r in _as_list(statement["Resource"])
        if "/index/" in _name(r)
    }
    assert used <= indexes
    assert used, "expected index permissions"


def test_secrets_prefix_is_the_same_in_env_policy_and_output(template: dict[str, Any]) -> None:
    env_prefix = template["Globals"]["Function"]["Environment"]["Variables"][
        config.ENV_SECRETS_PREFIX
    ]["Fn::Sub"]
    assert template["Outputs"]["SecretsPrefix"]["Value"] == {"Fn::Sub": env_prefix}
    assert SECRETS.endswith(":secret:" + env_prefix + "*")


# ---------------------------------------------------------------- tables


@pytest.mark.parametrize("table", ["ObjectsTable", "TagsTable", "LeasesTable"])
def test_table_is_on_demand_encrypted_recoverable_and_retained(
    template: dict[str, Any], table: str
) -> None:
    resource = template["Resources"][table]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    props = resource["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}


def _keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in key_schema}


@pytest.mark.parametrize(
    ("table", "model"),
    [("ObjectsTable", "objects"), ("TagsTable", "tags"), ("LeasesTable", "leases")],
)
def test_table_matches_the_store_models(template: dict[str, Any], table: str, model: str) -> None:
    # The store creates the same tables locally from its PynamoDB models; both must agree.
    schema = getattr(build_models(Settings()), model)._get_schema()
    props = template["Resources"][table]["Properties"]
    assert _keys(props["KeySchema"]) == _keys(schema["key_schema"])
    as_set = {(a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]}
    assert as_set == {
        (a["AttributeName"], a["AttributeType"]) for a in schema["attribute_definitions"]
    }
    ours = {
        g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"])
        for g in props.get("GlobalSecondaryIndexes", [])
    }
    theirs = {
        g["index_name"]: (_keys(g["key_schema"]), g["projection"])
        for g in schema.get("global_secondary_indexes", [])
    }
    assert ours == theirs


def test_objects_table_streams_both_images_and_leases_expire(template: dict[str, Any]) -> None:
    objects = template["Resources"]["ObjectsTable"]["Properties"]
    assert objects["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    leases = template["Resources"]["LeasesTable"]["Properties"]
    assert leases["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


# ---------------------------------------------------------------- queues and events


def _event(template: dict[str, Any], function: str, type_: str) -> dict[str, Any]:
    events = template["Resources"][function]["Properties"]["Events"]
    [props] = [e["Properties"] for e in events.values() if e["Type"] == type_]
    return dict(props)


def test_all_queues_are_encrypted(template: dict[str, Any]) -> None:
    queues = _resources_of_type(template, "AWS::SQS::Queue")
    assert set(queues) == {
        "ScanQueue",
        "ScanDeadLetterQueue",
        "AutomationQueue",
        "AutomationDeadLetterQueue",
        "EcrEventsDeadLetterQueue",
        "SourceQueue",
        "SourceDeadLetterQueue",
        "DeliveryQueue",
        "DeliveryDeadLetterQueue",
        "NotifyDeadLetterQueue",
    }
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


@pytest.mark.parametrize(
    ("queue", "dead_letter_queue", "function", "min_factor", "batch_size", "fifo"),
    [
        ("ScanQueue", "ScanDeadLetterQueue", "ScanFunction", 6, 10, False),
        ("AutomationQueue", "AutomationDeadLetterQueue", "AutomationFunction", 1.5, 1, True),
        ("SourceQueue", "SourceDeadLetterQueue", "SourceFunction", 6, 1, False),
        ("DeliveryQueue", "DeliveryDeadLetterQueue", "DeliveryFunction", 6, 1, False),
    ],
)
def test_work_queue_wiring(
    template: dict[str, Any],
    queue: str,
    dead_letter_queue: str,
    function: str,
    min_factor: float,
    batch_size: int,
    fifo: bool,
) -> None:
    resources = template["Resources"]
    props = resources[queue]["Properties"]
    timeout = resources[function]["Properties"]["Timeout"]
    assert props["VisibilityTimeout"] >= min_factor * timeout
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letter_queue, "Arn"]},
        "maxReceiveCount": 5,
    }
    dlq = resources[dead_letter_queue]["Properties"]
    assert props.get("FifoQueue", False) is fifo
    assert dlq.get("FifoQueue", False) is fifo
    # A standard queue's messages keep their first enqueue time in the DLQ: keep them longer.
    assert dlq["MessageRetentionPeriod"] > props["MessageRetentionPeriod"]
    event = _event(template, function, "SQS")
    assert event["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert event["BatchSize"] == batch_size
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_automation_queue_deduplicates_by_id_not_content(template: dict[str, Any]) -> None:
    props = template["Resources"]["AutomationQueue"]["Properties"]
    assert props["ContentBasedDeduplication"] is False


def test_dispatcher_runs_every_minute_and_on_object_changes(template: dict[str, Any]) -> None:
    assert _event(template, "DispatcherFunction", "Schedule")["Schedule"] == "rate(1 minute)"
    stream = _event(template, "DispatcherFunction", "DynamoDB")
    assert stream["Stream"] == {"Fn::GetAtt": ["ObjectsTable", "StreamArn"]}
    assert stream["StartingPosition"] == "LATEST"
    assert stream["BatchSize"] == 100
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def _stream_record(event: str, new: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    def image(values: dict[str, Any]) -> dict[str, Any]:
        return {
            k: {"N": str(v)} if isinstance(v, int) else {"S": v}
            for k, v in values.items()
            if v is not None
        }

    record: dict[str, Any] = {"eventName": event, "dynamodb": {"NewImage": image(new)}}
    if old is not None:
        record["dynamodb"]["OldImage"] = image(old)
    return record


_REPO = {"kind": "ImageRepository", "key": "apps/app", "due_shard": "ImageRepository"}
STREAM_CASES = [
    ("created", "INSERT", {**_REPO, "next_due_at": 0}, None),
    ("spec changed", "MODIFY", {**_REPO, "next_due_at": 0}, {**_REPO, "next_due_at": 1700}),
    ("resumed", "MODIFY", {**_REPO, "next_due_at": 0}, {"kind": "ImageRepository"}),
    ("claimed", "MODIFY", {**_REPO, "next_due_at": 1700}, {**_REPO, "next_due_at": 0}),
    ("status written", "MODIFY", {**_REPO, "next_due_at": 1700}, {**_REPO, "next_due_at": 1700}),
    ("still due", "MODIFY", {**_REPO, "next_due_at": 0}, {**_REPO, "next_due_at": 0}),
    ("suspended", "MODIFY", {"kind": "ImageRepository", "key": "apps/app"}, _REPO),
    ("receiver", "INSERT", {"kind": "Receiver", "key": "apps/r", "next_due_at": 0}, None),
    ("deleted", "REMOVE", {}, {**_REPO, "next_due_at": 0}),
    # Every scheduled kind, not only the image ones (OCIRepositories were left out once).
    *[
        (
            f"{kind} created",
            "INSERT",
            {"kind": kind, "key": "a/b", "due_shard": kind, "next_due_at": 0},
            None,
        )
        for kind in ("ImagePolicy", "ImageUpdateAutomation", "OCIRepository")
    ],
]


@pytest.mark.parametrize(
    ("case", "event", "new", "old"), STREAM_CASES, ids=[c[0] for c in STREAM_CASES]
)
def test_stream_filter_passes_only_records_the_dispatcher_dispatches(
    template: dict[str, Any], case: str, event: str, new: dict[str, Any], old: Any
) -> None:
    from moto.events.models import EventPattern
    from tagpilot.reconcile.dispatch import keys_from_stream

    stream = _event(template, "DispatcherFunction", "DynamoDB")
    patterns = [EventPattern.load(f["Pattern"]) for f in stream["FilterCriteria"]["Filters"]]
    record = _stream_record(event, new, old)
    passes = any(p.matches_event(record) for p in patterns)
    dispatched = bool(keys_from_stream([record]))
    if case.endswith(" created"):
        assert dispatched, case
    # Every record the dispatcher acts on passes; of the rest, only "still due" (already
    # dispatched when it became due) is left out on purpose.
    assert passes == (dispatched and case != "still due"), case


def test_ecr_push_rule_pattern_retry_and_dead_letters(
    template: dict[str, Any], deployed: dict[str, Any]
) -> None:
    rule = _event(template, "EcrEventsFunction", "EventBridgeRule")
    assert rule["Pattern"] == {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Image Action"],
        "detail": {"action-type": ["PUSH"], "result": ["SUCCESS"]},
    }
    assert "EventBusName" not in rule  # the default bus, where ECR sends its events
    assert rule["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert rule["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EcrEventsDeadLetterQueue", "Arn"]}}
    # Only that rule may write to the dead-letter queue.
    policy = template["Resources"]["EcrEventsDeadLetterQueuePolicy"]["Properties"]
    assert policy["Queues"] == [{"Ref": "EcrEventsDeadLetterQueue"}]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    source_rule = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][0]
    assert deployed[source_rule]["Type"] == "AWS::Events::Rule"
    [target] = deployed[source_rule]["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["EcrEventsFunction", "Arn"]}


def test_every_alarm_notifies_the_topic(template: dict[str, Any]) -> None:
    alarms = _resources_of_type(template, "AWS::CloudWatch::Alarm")
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    subscription = template["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_error_and_throttle_alarms(
    template: dict[str, Any], metric: str
) -> None:
    functions = set(_resources_of_type(template, "AWS::Serverless::Function"))
    alarmed = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for alarm in _resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Namespace"] == "AWS/Lambda"
        and alarm["Properties"]["MetricName"] == metric
    }
    assert alarmed == functions


def test_stream_age_and_api_errors_are_alarmed(template: dict[str, Any]) -> None:
    metrics = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"])
        for a in _resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    }
    assert {("AWS/Lambda", "IteratorAge"), ("AWS/ApiGateway", "5xx")} <= metrics


def test_every_dead_letter_queue_has_an_alarm(template: dict[str, Any]) -> None:
    alarmed = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in _resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and alarm["Properties"]["Threshold"] == 0
        and alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
    }
    assert alarmed == {
        "ScanDeadLetterQueue",
        "AutomationDeadLetterQueue",
        "EcrEventsDeadLetterQueue",
        "SourceDeadLetterQueue",
        "DeliveryDeadLetterQueue",
        "NotifyDeadLetterQueue",
    }


# ---------------------------------------------------------------- webhook API


def test_webhook_route(template: dict[str, Any]) -> None:
    route = _event(template, "WebhookFunction", "HttpApi")
    assert route["ApiId"] == {"Ref": "WebhookApi"}
    assert (route["Method"], route["Path"]) == ("ANY", "/hook/{digest}")


def test_webhook_api_is_throttled_and_logs_no_path_or_query(template: dict[str, Any]) -> None:
    props = template["Resources"]["WebhookApi"]["Properties"]
    assert props["StageName"] == "$default"
    throttle = props["DefaultRouteSettings"]
    assert 0 < throttle["ThrottlingRateLimit"] <= throttle["ThrottlingBurstLimit"]
    log = props["AccessLogSettings"]
    group = template["Resources"][log["DestinationArn"]["Fn::GetAtt"][0]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert json.loads(log["Format"])["routeKey"] == "$context.routeKey"
    variables = re.findall(r"\$context\.[A-Za-z.]+", log["Format"])
    assert "$context.requestId" in variables
    # The webhook path is the secret of some receiver types: it must never reach the logs.
    assert not [v for v in variables if re.search("path|query|uri", v, re.IGNORECASE)]


def test_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert set(outputs) == {
        "WebhookEndpoint",
        "ObjectsTableName",
        "TagsTableName",
        "LeasesTableName",
        "ScanQueueUrl",
        "AutomationQueueUrl",
        "SourceQueueUrl",
        "ArtifactsBucketName",
        "EventBusName",
        "SecretsPrefix",
        "Stage",
        "AlarmTopic",
        "CliPolicyArn",
        "DashboardUrl",
        "EventsTableName",
        "DeliveryDeadLetterQueueUrl",
    }
    assert outputs["WebhookEndpoint"]["Value"] == {
        "Fn::Sub": "https://${WebhookApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }


def test_no_commented_out_yaml(template: dict[str, Any]) -> None:
    commented = [
        line
        for line in TEMPLATE.read_text().splitlines()
        if re.match(r"\s*#\s*(-\s+)?[A-Za-z][A-Za-z0-9]*:(\s|$)", line)
    ]
    assert commented == []


# ---------------------------------------------------------------- samconfig.toml


@pytest.fixture(scope="module")
def samconfig() -> dict[str, Any]:
    return tomllib.loads(SAMCONFIG.read_text())


def test_samconfig_deploys_without_account_specific_values(samconfig: dict[str, Any]) -> None:
    text = SAMCONFIG.read_text()
    assert not re.search(r"\b\d{12}\b", text), "account id in samconfig.toml"
    assert not re.search(r"\b[a-z]{2}(-gov)?-[a-z]+-\d\b", text), "region in samconfig.toml"
    for section in samconfig["default"].values():
        params = section.get("parameters", {})
        assert not {"s3_bucket", "s3_prefix", "region", "profile", "image_repository"} & set(params)
    deploy = samconfig["default"]["deploy"]["parameters"]
    assert deploy["resolve_s3"] is True
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["confirm_changeset"] is True


def test_samconfig_settings(samconfig: dict[str, Any], template: dict[str, Any]) -> None:
    assert samconfig["version"] == 0.1
    default = samconfig["default"]
    assert default["global"]["parameters"]["stack_name"] == "tagpilot"
    assert default["build"]["parameters"] == {"cached": False, "parallel": True}
    assert default["validate"]["parameters"] == {"lint": True}
    overrides = dict(
        pair.split("=", 1)
        for pair in default["deploy"]["parameters"]["parameter_overrides"].split()
    )
    assert overrides == {"Stage": "dev", "LogLevel": "INFO"}
    assert set(overrides) <= set(template["Parameters"])


# ---------------------------------------------------------------- OCI artifacts


def test_artifacts_bucket_is_private_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["ArtifactsBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    policy = template["Resources"]["ArtifactsBucketPolicy"]["Properties"]
    [deny] = policy["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Action"]) == ("Deny", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_source_function_limits_and_settings(deployed: dict[str, Any]) -> None:
    props = deployed["SourceFunction"]["Properties"]
    # The layer cap (unpacked) plus the repacked tarball must fit in /tmp.
    env = props["Environment"]["Variables"]
    cap = int(env[config.ENV_ARTIFACT_MAX_BYTES])
    assert props["EphemeralStorage"]["Size"] * 2**20 >= 2 * cap + 512 * 2**20
    assert env[config.ENV_ARTIFACT_BUCKET] == {"Ref": "ArtifactsBucket"}
    assert env[config.ENV_EVENT_BUS] == {"Ref": "EventBus"}
    list_statement = next(
        s for s in _statements(deployed, "SourceFunction") if s["Action"] == "s3:ListBucket"
    )
    assert list_statement["Condition"] == {"StringLike": {"s3:prefix": ["ocirepository/*"]}}


# ---------------------------------------------------------------- events and notifications


def test_events_table_matches_the_event_model_and_expires(template: dict[str, Any]) -> None:
    from tagpilot.store.eventlog import build_event_model

    schema = build_event_model(Settings())._get_schema()
    props = template["Resources"]["EventsTable"]["Properties"]
    assert _keys(props["KeySchema"]) == _keys(schema["key_schema"])
    as_set = {(a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]}
    assert as_set == {
        (a["AttributeName"], a["AttributeType"]) for a in schema["attribute_definitions"]
    }
    ours = {
        g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"])
        for g in props["GlobalSecondaryIndexes"]
    }
    theirs = {
        g["index_name"]: (_keys(g["key_schema"]), g["projection"])
        for g in schema["global_secondary_indexes"]
    }
    assert ours == theirs
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_notify_rule_takes_tagpilot_events_from_the_stack_bus(template: dict[str, Any]) -> None:
    rule = _event(template, "NotifyFunction", "EventBridgeRule")
    assert rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["Pattern"] == {"source": ["tagpilot"]}
    assert rule["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]}}
    bus = template["Resources"]["EventBus"]
    assert bus["Type"] == "AWS::Events::EventBus"
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env[config.ENV_EVENT_BUS] == {"Ref": "EventBus"}
    assert env[config.ENV_EVENTS_TABLE] == {"Ref": "EventsTable"}
    for function in ("NotifyFunction", "DeliveryFunction"):
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables[config.ENV_DELIVERY_QUEUE_URL] == {"Ref": "DeliveryQueue"}


# ---------------------------------------------------------------- dashboard


def _dashboard_widgets(template: dict[str, Any]) -> dict[str, set[str]]:
    """Widget title -> the logical ids its ``${...}`` placeholders name."""
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    # CloudWatch wants valid JSON once CloudFormation has substituted the placeholders.
    widgets = json.loads(re.sub(r"\$\{([^}]+)\}", "x", body))["widgets"]
    raw = json.loads(re.sub(r"\$\{([^}]+)\}", r"<\1>", body))["widgets"]
    assert len(raw) == len(widgets)
    return {
        w["properties"]["title"]: {
            ref.split(".")[0] for ref in re.findall(r"<([^>]+)>", json.dumps(w["properties"]))
        }
        - {"AWS::Region"}
        for w in raw
    }


def test_dashboard_shows_every_function_queue_table_and_alarm(template: dict[str, Any]) -> None:
    widgets = _dashboard_widgets(template)
    resources = template["Resources"]

    def of_type(type_: str) -> set[str]:
        return {k for k, v in resources.items() if v["Type"] == type_}

    for title, refs in widgets.items():
        assert refs <= set(resources), (title, refs - set(resources))
    functions = of_type("AWS::Serverless::Function")
    assert functions == set(FUNCTIONS)
    assert widgets["Invocations and errors"] == functions
    assert widgets["Duration p95 (ms)"] == functions
    assert widgets["Queues and dead letters"] == of_type("AWS::SQS::Queue")
    assert widgets["DynamoDB consumed capacity"] == of_type("AWS::DynamoDB::Table")
    assert widgets["Alarms"] == of_type("AWS::CloudWatch::Alarm")
