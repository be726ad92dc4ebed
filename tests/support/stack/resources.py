"""Create the template's tables, queues and topics on DynamoDB Local and moto, from the
transformed template's own properties (no second copy of any definition)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.stack.template import Stack

_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def create_tables(stack: Stack, dynamodb: Any) -> dict[str, str]:
    """Every AWS::DynamoDB::Table: keys, indexes, stream, TTL. Returns logical id -> stream ARN."""
    streams: dict[str, str] = {}
    for logical_id, resource in stack.of_type("AWS::DynamoDB::Table").items():
        props = stack.resolve(resource["Properties"])
        args: dict[str, Any] = {
            "TableName": stack.physical_name(logical_id),
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if props.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("LocalSecondaryIndexes"):
            args["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
        if "StreamSpecification" in props:
            args["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": props["StreamSpecification"]["StreamViewType"],
            }
        if args["BillingMode"] == "PROVISIONED":
            args["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        described = dynamodb.create_table(**args)["TableDescription"]
        if "LatestStreamArn" in described:
            streams[logical_id] = described["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=args["TableName"],
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    return streams


def create_queues(stack: Stack, sqs: Any) -> dict[str, dict[str, Any]]:
    """Every AWS::SQS::Queue, dead-letter targets first. Returns logical id -> attributes."""
    queues = stack.of_type("AWS::SQS::Queue")
    created: dict[str, dict[str, Any]] = {}
    pending = list(queues)
    while pending:
        for logical_id in list(pending):
            props = queues[logical_id].get("Properties", {})
            target = (props.get("RedrivePolicy") or {}).get("deadLetterTargetArn")
            depends = target["Fn::GetAtt"][0] if isinstance(target, dict) else None
            if depends in pending:
                continue
            resolved = stack.resolve(props)
            attributes = {k: _text(resolved[k]) for k in _QUEUE_ATTRIBUTES if k in resolved}
            if "RedrivePolicy" in resolved:
                attributes["RedrivePolicy"] = json.dumps(resolved["RedrivePolicy"])
            url = sqs.create_queue(
                QueueName=stack.physical_name(logical_id), Attributes=attributes
            )["QueueUrl"]
            stack.queue_urls[logical_id] = url
            created[logical_id] = resolved
            pending.remove(logical_id)
    return created


def create_topics(stack: Stack, sns: Any) -> dict[str, str]:
    """Every AWS::SNS::Topic and (conditional) subscription. Returns logical id -> ARN."""
    arns = {}
    for logical_id in stack.of_type("AWS::SNS::Topic"):
        arns[logical_id] = sns.create_topic(Name=stack.physical_name(logical_id))["TopicArn"]
    for resource in stack.of_type("AWS::SNS::Subscription").values():
        if stack.present(resource):
            props = stack.resolve(resource["Properties"])
            sns.subscribe(
                TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"]
            )
    return arns


def create_buckets_and_buses(stack: Stack, s3: Any, events: Any) -> None:
    """Every AWS::S3::Bucket and AWS::Events::EventBus (by name; policies are not modelled)."""
    for logical_id in stack.of_type("AWS::S3::Bucket"):
        s3.create_bucket(Bucket=stack.physical_name(logical_id))
    for logical_id in stack.of_type("AWS::Events::EventBus"):
        events.create_event_bus(Name=stack.physical_name(logical_id))
