"""A Lambda execution environment's runtime loop, run by Python 3.13 in its own process.

Started by the harness as ``python3.13 -I bootstrap.py TASK_ROOT LAYER_DIR HANDLER RESULT_FD``
with only the function's environment: it imports the handler from the built code (init phase),
then reads one invocation per line on stdin (``{"event", "request_id", "deadline"}``) and writes
one result per line on RESULT_FD. Logs go to stdout/stderr as in Lambda. The harness, not this
loop, enforces the timeout: it kills the process, so nothing after that point runs.
"""

import importlib
import json
import os
import sys
import time
import traceback

task_root, layer_dir, handler_name, result_fd = sys.argv[1:5]
sys.path[:0] = [task_root, layer_dir]
os.chdir(task_root)
module_name, function_name = handler_name.rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
results = os.fdopen(int(result_fd), "w", buffering=1)


class Context:
    def __init__(self, request_id, deadline):
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.invoked_function_arn = env["TAGPILOT_STACK_FUNCTION_ARN"]
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(int((self._deadline - time.time()) * 1000), 0)


for line in sys.stdin:
    request = json.loads(line)
    context = Context(request["request_id"], request["deadline"])
    cpu = time.process_time()
    try:
        result = {"ok": handler(request["event"], context)}
    except Exception as exc:  # noqa: BLE001 - Lambda reports any error to the caller
        result = {
            "error": {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc),
            }
        }
    result["cpu_ms"] = (time.process_time() - cpu) * 1000
    sys.stdout.flush()
    sys.stderr.flush()
    results.write(json.dumps(result, default=str) + "\n")
