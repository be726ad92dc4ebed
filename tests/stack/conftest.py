"""The stack tier: template.yaml run as AWS would run it (see tests/support/stack).

One stack per session (starting it builds, and starts one Python 3.13 process per function);
each scenario uses its own namespace, registry and Git server. At the end the tier writes its
report of every AWS call per function and of the grants no call used:
``.aws-sam/stack/report.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack.build import ROOT
from tests.support.stack.harness import LocalStack

REPORT = ROOT / ".aws-sam" / "stack" / "report.json"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The report's checks need every scenario to have run first.
    items.sort(key=lambda item: "test_report" in item.nodeid)


@pytest.fixture(scope="session")
def stack(dynamodb_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    workdir = tmp_path_factory.mktemp("stack")
    local = LocalStack(dynamodb_endpoint, workdir, name=f"tp{os.getpid()}")
    local.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SNS")}
    os.environ["AWS_ENDPOINT_URL_SQS"] = local.moto_endpoint
    os.environ["AWS_ENDPOINT_URL_SNS"] = local.moto_endpoint
    try:
        yield local
    finally:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(json.dumps(local.report(), indent=2, sort_keys=True))
        local.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def operator(stack: LocalStack) -> Any:
    """The App a CLI user gets (``tagpilot apply`` against the deployed stack), with the rights
    of the template's CLI policy (TagpilotCliPolicy) enforced."""
    from tagpilot.config import Settings
    from tagpilot.runtime.app import build_app

    env = stack.functions["ScanFunction"].spec.environment
    settings = Settings(
        mode="aws",
        stage=env["TAGPILOT_STAGE"],
        objects_table=env["TAGPILOT_OBJECTS_TABLE"],
        tags_table=env["TAGPILOT_TAGS_TABLE"],
        leases_table=env["TAGPILOT_LEASES_TABLE"],
        scan_queue_url=env["TAGPILOT_SCAN_QUEUE_URL"],
        automation_queue_url=env["TAGPILOT_AUTOMATION_QUEUE_URL"],
        secrets_prefix=env["TAGPILOT_SECRETS_PREFIX"],
        dynamodb_endpoint=stack.endpoint,
        secrets_endpoint=stack.endpoint,
        access_key_id="TagpilotCliPolicy",
        secret_access_key="x",
        home=Path(stack.workdir) / "home",
    )
    return build_app(settings, create_tables=False)
