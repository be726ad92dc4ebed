"""tagpilot: Flux-compatible image update automation, serverless on AWS.

Sub-packages mirror Flux's controllers: ``api`` (object kinds, validation, conditions),
``registry`` (OCI distribution client), ``policy`` (tag selection), ``update`` (YAML setters),
``source`` (Git), ``store`` (DynamoDB), ``receiver`` (webhooks), ``reconcile`` (the reconcilers that
tie them together), ``runtime`` (queues and handler plumbing), ``local`` (the local stack) and
``cli``. ``golang`` emulates the Go standard-library behaviour Flux relies on (RE2 regexps,
durations, ``strconv.ParseFloat``, ``text/template``). The pure packages (``policy``, ``update``,
``golang`` and ``registry.names``) import nothing from AWS, HTTP or Git libraries.
"""

__version__ = "0.1.0"
