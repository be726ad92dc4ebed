"""Scan worker. Event source: SQS (ScanQueue), partial batch failures reported.

Each message names one ImageRepository or ImagePolicy to reconcile; a scan whose tags changed
re-evaluates its policies in the same invocation. Registry failures are recorded in the object's
status and retried with backoff by the dispatcher; only infrastructure errors fail the message.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from tagpilot.runtime.lambda_support import RecordBudget, begin_batch, run_work_record

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


_budget: list[RecordBudget | None] = [None]


def record_handler(record: SQSRecord) -> None:
    run_work_record(record.body, metrics, logger, _budget[0], record.attributes.sender_id)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Registry and Git deadlines are bounded by this invocation's remaining time, shared
    # between the batch's records: a hung peer fails its own record, not the batch.
    _budget[0] = begin_batch(context, len(event.get("Records") or []))
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
