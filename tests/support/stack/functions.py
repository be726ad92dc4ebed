"""Run each built function in its own Python 3.13 process, as a Lambda execution environment.

The environment is the template's (Globals merged by the SAM transform) plus what Lambda itself
sets, and the AWS endpoint: the gateway, with the function's own access key so that its role is
enforced. An invocation that outlives the configured timeout is killed (the environment is gone;
the next invocation starts cold), exactly as Lambda ends it. Every invocation is measured:
duration, billed duration, memory, log bytes (START/END/REPORT lines included).
"""

from __future__ import annotations

import json
import math
import os
import select
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")


@dataclass
class Invocation:
    function: str
    request_id: str
    duration_ms: float
    billed_ms: int
    memory_mb: int
    result: Any = None
    error: dict[str, Any] | None = None
    timed_out: bool = False
    cold: bool = False
    cpu_ms: float = 0.0  # the handler's own CPU time (this machine's cores are shared)


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    handler: str
    timeout: float
    memory_mb: int
    environment: dict[str, str]
    code_dir: Path
    log_group: str


@dataclass
class Function:
    spec: FunctionSpec
    python: list[str]
    layer_dir: Path
    endpoint: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    result_r: int | None = None
    invocations: list[Invocation] = field(default_factory=list)
    log_bytes: int = 0

    def env(self) -> dict[str, str]:
        spec = self.spec
        return {
            **spec.environment,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]0",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "TAGPILOT_STACK_FUNCTION_ARN": spec.arn,
            # The role's credentials: the access key names the function, so the gateway
            # enforces this function's role on every call.
            "AWS_ACCESS_KEY_ID": spec.logical_id,
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.log_path.parent),
        }

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                *self.python,
                "-I",
                str(BOOTSTRAP),
                str(self.spec.code_dir),
                str(self.layer_dir),
                self.spec.handler,
                str(write_fd),
            ],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            env=self.env(),
            cwd=self.spec.code_dir,
            pass_fds=(write_fd,),
        )
        log.close()
        os.close(write_fd)
        self.result_r = read_fd

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        if self.result_r is not None:
            os.close(self.result_r)
            self.result_r = None

    def _log(self, text: str) -> None:
        with self.log_path.open("a") as log:
            log.write(text + "\n")

    def invoke(self, event: Any) -> Invocation:
        cold = self.proc is None or self.proc.poll() is not None
        if cold:
            self.kill()
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        assert self.result_r is not None
        request_id = str(uuid.uuid4())
        self._log(f"START RequestId: {request_id} Version: $LATEST")
        start = time.time()
        deadline = start + self.spec.timeout
        self.proc.stdin.write(
            json.dumps({"event": event, "request_id": request_id, "deadline": deadline}).encode()
            + b"\n"
        )
        self.proc.stdin.flush()
        line = self._read_line(deadline)
        elapsed_ms = (time.time() - start) * 1000
        inv = Invocation(
            self.spec.logical_id,
            request_id,
            elapsed_ms,
            min(math.ceil(elapsed_ms), int(self.spec.timeout * 1000)),
            self.spec.memory_mb,
            cold=cold,
        )
        if line is None:
            inv.timed_out = True
            inv.error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {self.spec.timeout:.2f} seconds",
            }
            self.kill()
            self._log(f"{request_id} Task timed out after {self.spec.timeout:.2f} seconds")
        else:
            answer = json.loads(line)
            inv.result, inv.error = answer.get("ok"), answer.get("error")
            inv.cpu_ms = float(answer.get("cpu_ms", 0.0))
        self._log(f"END RequestId: {request_id}")
        self._log(
            f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\t"
            f"Billed Duration: {inv.billed_ms} ms\tMemory Size: {self.spec.memory_mb} MB"
        )
        self.log_bytes = self.log_path.stat().st_size
        self.invocations.append(inv)
        return inv

    def _read_line(self, deadline: float) -> bytes | None:
        assert self.result_r is not None
        buf = b""
        while not buf.endswith(b"\n"):
            left = deadline - time.time()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.result_r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.result_r, 1 << 20)
            if not chunk:  # the process died (crash, OOM): Lambda reports a runtime error
                return json.dumps(
                    {"error": {"errorType": "Runtime.ExitError", "errorMessage": "exited"}}
                ).encode()
            buf += chunk
        return buf
