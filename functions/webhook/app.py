"""Webhook receiver. Event source: API Gateway HTTP API (payload v2), route ``ANY /hook/{digest}``.

Follows Flux's request pipeline (413, 404, 405, 503, 400, 500, 200); the response never says
which check failed, and neither the path nor any secret is logged.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from tagpilot.receiver.request import from_apigw_v2
from tagpilot.runtime.lambda_support import current_app
from tagpilot.runtime.webhook import handle_webhook

logger = Logger()
metrics = Metrics()
resolver = APIGatewayHttpResolver()
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@resolver.route("/hook/<digest>", method=METHODS)
def hook(digest: str) -> Response[str]:
    outcome = handle_webhook(current_app(), from_apigw_v2(resolver.current_event.raw_event))
    logger.info(
        "webhook",
        extra={
            "status": outcome.status,
            "reason": outcome.reason,
            "receiver": outcome.receiver,
            "reconciled": len(outcome.reconciled),
        },
    )
    metrics.add_metric(name=f"webhook.{outcome.status}", unit=MetricUnit.Count, value=1)
    return Response(status_code=outcome.status, body="", content_type="text/plain")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(resolver.resolve(event, context))
