"""The arm64 layer ``sam build`` made (what Lambda runs), smoke-tested under qemu-user-static
with an arm64 CPython 3.13 from Debian's packages (unpacked, not installed): every handler
imports and handles one sample event from ``events/``, against this stack."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import EVENTS
from tests.support.stack.build import BUILD, ROOT

pytestmark = pytest.mark.stack

SAMPLES = {
    "DispatcherFunction": "schedule-dispatcher-tick.json",
    "ScanFunction": "sqs-scan-imagerepository.json",
    "AutomationFunction": "sqs-automation-run.json",
    "WebhookFunction": "webhook-generic-distribution-push.json",
    "EcrEventsFunction": "ecr-push.json",
    "SourceFunction": "sqs-source-ocirepository.json",
    "NotifyFunction": "eventbridge-tagpilot-imagepolicy-succeeded.json",
    "DeliveryFunction": "sqs-delivery-generic.json",
}


def test_every_handler_runs_on_the_arm64_layer(stack: Any, tmp_path) -> None:
    qemu = shutil.which("qemu-aarch64-static")
    assert qemu, "qemu-user-static is missing: run scripts/install-system-deps.sh"
    sysroot = ROOT / ".tools" / "arm64-python3.13"
    if not (sysroot / "usr/bin/python3.13").exists():
        sysroot = ROOT / ".aws-sam" / "stack" / "arm64-python3.13"
        subprocess.run([str(ROOT / "scripts/arm64-python313.sh"), str(sysroot)], check=True)
    assert set(SAMPLES) == set(stack.functions), "a new function needs a sample event here"
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "layer": str(BUILD / "TagpilotLayer" / "python"),
                "functions": {f: [str(BUILD / f), str(EVENTS / e)] for f, e in SAMPLES.items()},
            }
        )
    )
    env = {
        **stack.functions["ScanFunction"].spec.environment,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "arm64-smoke",
        "AWS_ACCESS_KEY_ID": "admin",
        "AWS_SECRET_ACCESS_KEY": "admin",
        "AWS_ENDPOINT_URL": stack.endpoint,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "TZ": ":UTC",
    }
    done = subprocess.run(
        [
            qemu,
            "-L",
            str(sysroot),
            str(sysroot / "usr/bin/python3.13"),
            "-I",
            str(ROOT / "tests/support/stack/arm64_smoke.py"),
            str(spec),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert (out["machine"], out["python"][:4]) == ("aarch64", "3.13")
    errors = {f: r for f, r in out["results"].items() if "error" in r}
    assert errors == {}
    assert out["results"]["WebhookFunction"]["ok"]["statusCode"] in (200, 404)
    assert "batchItemFailures" in out["results"]["ScanFunction"]["ok"]
