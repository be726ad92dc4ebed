"""Run by an arm64 CPython 3.13 under qemu-user-static: import every built handler with the
arm64 layer, load the layer's native extensions, and handle one sample event per function.

Argument: a JSON file ``{"layer": DIR, "functions": {name: [code_dir, event_file]}}``. Prints one
JSON line ``{name: {"ok": result} | {"error": ...}}`` and the machine it ran on.
"""

import importlib.util
import json
import platform
import sys
import traceback

with open(sys.argv[1]) as handle:
    spec = json.load(handle)
sys.path.insert(0, spec["layer"])

# Every native extension of the layer, loaded and used once.
import bcrypt  # noqa: E402
import dulwich.objects  # noqa: E402
import nacl.signing  # noqa: E402
import pysequoia  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

native = {
    "dulwich": dulwich.objects.Blob.from_string(b"x").id.decode(),
    "cryptography": len(ed25519.Ed25519PrivateKey.generate().sign(b"x")),
    "bcrypt": bcrypt.checkpw(b"x", bcrypt.hashpw(b"x", bcrypt.gensalt(4))),
    "nacl": len(nacl.signing.SigningKey.generate().sign(b"x")),
    "pysequoia": pysequoia.__name__,
}


class Context:
    function_name = "arm64-smoke"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:arm64-smoke"
    aws_request_id = "arm64-smoke"

    def get_remaining_time_in_millis(self):
        return 60_000


results = {}
for name, (code_dir, event_file) in spec["functions"].items():
    try:
        module_spec = importlib.util.spec_from_file_location(f"fn_{name}", f"{code_dir}/app.py")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        with open(event_file) as handle:
            event = json.load(handle)
        results[name] = {"ok": module.lambda_handler(event, Context())}
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results[name] = {"error": repr(exc), "trace": traceback.format_exc()}
print(
    json.dumps(
        {
            "machine": platform.machine(),
            "python": platform.python_version(),
            "native": native,
            "results": results,
        },
        default=str,
    )
)
