"""Alert matching. Event source: EventBridge rule on the stack's bus (``source: tagpilot``).

Each event goes through notification-controller's steps (duplicate suppression, Alert matching,
commit-status gating, metadata) and one message per matched Provider goes to the delivery queue.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from tagpilot.runtime.notify import route_from_bus

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    queued = route_from_bus(event)
    metrics.add_metric(name="notify.deliveries_queued", unit=MetricUnit.Count, value=queued)
    logger.info("event routed", extra={"reason": event.get("detail-type"), "deliveries": queued})
    return {"deliveriesQueued": queued}
