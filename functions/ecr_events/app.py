"""ECR push events. Event source: EventBridge rule on the default bus for ``ECR Image Action``
PUSH events with result SUCCESS (no public endpoint, no shared secret).

Every ImageRepository whose canonical name is the pushed repository is scanned at once.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from tagpilot.runtime.lambda_support import current_app
from tagpilot.runtime.webhook import handle_ecr_event

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    keys = handle_ecr_event(current_app(), event)
    metrics.add_metric(name="ecr.scans_requested", unit=MetricUnit.Count, value=len(keys))
    logger.info("ecr event", extra={"event_id": event.get("id"), "scans_requested": len(keys)})
    return {"scansRequested": keys}
