"""Provider types and the function that sends one event through each."""

from __future__ import annotations

from tagpilot.notify.providers import alerting, aws, chat, commitstatus
from tagpilot.notify.providers.base import Notifier

NOTIFIERS: dict[str, Notifier] = {
    "generic": alerting.generic,
    "generic-hmac": alerting.generic_hmac,
    "slack": chat.slack,
    "msteams": chat.msteams,
    "discord": chat.discord,
    "googlechat": chat.googlechat,
    "rocket": chat.rocket,
    "webex": chat.webex,
    "telegram": chat.telegram,
    "matrix": chat.matrix,
    "alertmanager": alerting.alertmanager,
    "grafana": alerting.grafana,
    "opsgenie": alerting.opsgenie,
    "pagerduty": alerting.pagerduty,
    "github": commitstatus.github,
    "gitlab": commitstatus.gitlab,
    "gitea": commitstatus.gitea,
    "bitbucket": commitstatus.bitbucket,
    "eventbridge": aws.eventbridge,
    "sns": aws.sns,
}
SUPPORTED_TYPES = tuple(NOTIFIERS)
COMMIT_STATUS_TYPES = commitstatus.TYPES
GENERIC_TYPES = ("generic", "generic-hmac")
#: tagpilot's own types (not in Flux): they forward the generic event JSON.
EXTENSION_TYPES = ("eventbridge", "sns")
