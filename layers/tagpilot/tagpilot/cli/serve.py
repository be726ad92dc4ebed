"""``tagpilot serve [--port P]``: run the whole pipeline locally, in-process.

The dispatcher ticks every ``--tick`` seconds, the queues are in-process and the workers are the
same functions the Lambda handlers call. With ``--port`` the webhook function is served at
``http://127.0.0.1:P/hook/<digest>`` so a registry on this machine can call it.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from tagpilot.cli.common import EXIT_OK, guarded, open_app


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("serve", help="run dispatcher, workers and webhook receiver locally")
    p.add_argument("--port", type=int, default=None, help="serve webhooks on 127.0.0.1:PORT")
    p.add_argument(
        "--tick", type=float, default=1.0, help="dispatcher period in seconds (default 1)"
    )
    p.add_argument("--once", action="store_true", help="run one dispatcher tick, drain, and exit")
    p.set_defaults(func=run)


def _print_outcome(outcome: Any) -> None:
    if outcome.skipped:
        return
    mark = "✔" if outcome.ready == "True" else "✗"
    print(
        f"{mark} {outcome.kind} {outcome.namespace}/{outcome.name}: {outcome.message}", flush=True
    )


@guarded
def run(args: argparse.Namespace) -> int:
    from tagpilot.runtime.local_worker import LocalWorker

    app = open_app()
    worker = LocalWorker(app, on_outcome=_print_outcome)
    if args.once:
        worker.tick()
        return EXIT_OK
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server = None
    if args.port is not None:
        from tagpilot.runtime.webhook_server import start_webhook_server

        server = start_webhook_server(app, args.port, on_request=lambda: worker.tick())
        print(
            f"► serving webhooks on http://127.0.0.1:{server.server_address[1]}/hook/", flush=True
        )
    print("► dispatcher running; Ctrl-C to stop", flush=True)
    try:
        worker.run_forever(stop, period=args.tick)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.shutdown()
    return EXIT_OK
