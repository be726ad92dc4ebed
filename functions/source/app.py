"""Source worker. Event source: SQS (SourceQueue), partial batch failures reported.

Each message names one OCIRepository to reconcile: resolve its reference, verify, pull, unpack and
store the artifact in the stack's bucket, announce ``NewArtifact`` on the stack's event bus. It is
a function of its own for its limits (memory and ephemeral storage sized for the artifact cap,
TAGPILOT_ARTIFACT_MAX_BYTES) and its permissions (the bucket and the bus, nothing of the scan's).
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
    # Registry requests (tags, manifests, blobs) end before Lambda would end the invocation,
    # so a slow registry leaves time for the failure status.
    _budget[0] = begin_batch(context, len(event.get("Records") or []))
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
