"""FIFO deduplication ids: a second, distinct request within SQS's 5-minute window is delivered."""

from __future__ import annotations

import boto3
import pytest
from tagpilot.store.queues import SqsQueue, WorkItem

pytestmark = pytest.mark.functional


def test_two_requests_for_the_same_automation_are_both_delivered(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(
        QueueName="runs.fifo", Attributes={"FifoQueue": "true", "DeduplicationScope": "queue"}
    )["QueueUrl"]
    queue = SqsQueue(sqs, url)
    item = WorkItem("ImageUpdateAutomation", "apps", "fleet", "policy changed", group="g")
    queue.send([item])
    queue.send([item])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(got) == 2


def test_an_explicit_id_still_deduplicates(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="runs.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    item = WorkItem("ImageUpdateAutomation", "apps", "fleet", group="g", dedup="event-1")
    SqsQueue(sqs, url).send([item, item])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 1
