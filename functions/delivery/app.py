"""Provider delivery. Event source: SQS (DeliveryQueue, one message per invocation), partial
batch failures reported.

A Provider that fails transiently gets the message back after an exponential backoff; after five
receives SQS moves it to the dead-letter queue (alarmed). Errors are logged with the token masked.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from tagpilot.runtime.notify import deliver_from_record

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    count = int(record.attributes.approximate_receive_count or 1)
    outcome = deliver_from_record(record.body, record.receipt_handle, count)
    metrics.add_metric(name=f"delivery.{outcome}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
