"""Dispatcher. Event sources: EventBridge schedule (every minute) and the objects table's
DynamoDB stream (a spec change or reconcile request is dispatched at once).

Every minute, the objects whose slot falls in the event's minute are queued (the minute is
claimed once, so a duplicated event sends nothing twice); objects made due by an event are
claimed (so one dispatcher sends each once) and queued for their worker.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from tagpilot.reconcile.dispatch import (
    dispatch_keys,
    dispatch_tick,
    keys_from_stream,
    schedule_time,
)
from tagpilot.runtime.lambda_support import current_app

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app = current_app()
    if "Records" in event:
        now = app.clock()
        sent: dict[str, int] = {
            kind: dispatch_keys(app, kind, keys, now=now, reason="changed")
            for kind, keys in keys_from_stream(event["Records"]).items()
        }
        result: dict[str, Any] = {"batchItemFailures": []}
    else:
        sent = dict(dispatch_tick(app, schedule_time(event, app.clock())))
        result = {"dispatched": sent}
    for kind, count in sent.items():
        if not count:
            continue  # a metric published only when it has a value costs only those hours
        metrics.add_metric(name=f"{kind}.dispatched", unit=MetricUnit.Count, value=count)
    logger.info("dispatched", extra={"dispatched": sent})
    return result
