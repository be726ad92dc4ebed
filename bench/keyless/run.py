"""Benchmark: keyless cosign verification against key-based, on Debian's ``docker-registry``.

One image signed with a P-256 key (``cosign sign --key``) and one signed keyless by the tests'
own Sigstore instance (Fulcio certificate with SCT, Rekor bundle with SET), both read by
``verify_image`` through tagpilot's registry client. Measures:

- warm verification (median of ROUNDS): the ``.sig`` manifest and payload reads plus the checks,
  key-based and keyless, and the keyless checks alone (no registry);
- the one-off costs a container pays on its first keyless verification, each in a fresh
  subprocess: importing ``sigstore`` and parsing the bundled public-good trust root.

Writes a Markdown table and ``bench/results/keyless.json``. No target is asserted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support import cosign  # noqa: E402
from tests.support.fulcio import LocalSigstore, push_signatures  # noqa: E402
from tests.support.registry import RegistryServer, push_image  # noqa: E402

ROUNDS = 50
COLD_ROUNDS = 5
COLD = """
import time
t = time.perf_counter()
import sigstore.models, sigstore._internal.sct  # noqa: F401
t1 = time.perf_counter()
from tagpilot.verify.trustroot import load_trusted_root
load_trusted_root(None)
print(t1 - t, time.perf_counter() - t1)
"""


def _median_ms(fn: Any) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    from tagpilot.registry.auth import RegistryAuth
    from tagpilot.registry.client import RegistryClient
    from tagpilot.registry.names import parse_image_reference
    from tagpilot.verify import keyless
    from tagpilot.verify.cosign import OIDCIdentity, verify_image
    from tagpilot.verify.trustroot import load_trusted_root

    instance = LocalSigstore()
    root_json = instance.trusted_root()
    auth = RegistryAuth.anonymous(insecure=True)
    results: dict[str, Any] = {"rounds": ROUNDS}
    with RegistryServer() as server, requests.Session() as session:
        client = RegistryClient(session)
        key = cosign.generate("ecdsa")
        keyed = push_image(server.url, "bench/keyed", ["v1"], variant="keyed")
        cosign.sign_and_push(server.url, "bench/keyed", keyed, [key], host=server.host)
        digest = push_image(server.url, "bench/keyless", ["v1"], variant="keyless")
        signed = instance.sign(f"{server.host}/bench/keyless", digest)
        push_signatures(server.url, "bench/keyless", digest, [signed])
        identities = [OIDCIdentity("^https://accounts\\.example\\.com$", "^dev@")]

        def by_key() -> None:
            image = parse_image_reference(f"{server.host}/bench/keyed")
            keys = {"cosign.pub": key.public_pem}
            assert verify_image(client, image, keyed, auth=auth, keys=keys).verified

        def by_identity() -> None:
            image = parse_image_reference(f"{server.host}/bench/keyless")
            result = verify_image(
                client, image, digest, auth=auth, identities=identities, trusted_root=root_json
            )
            assert result.verified, result.message

        root = load_trusted_root(root_json)
        policy = keyless.RegexpIdentities(identities)

        def checks_only() -> None:
            keyless.verify_layer(root, signed.payload, signed.signature, signed.annotations, policy)

        by_identity()  # imports sigstore, parses the root: the cold part is measured below
        results["key_based_ms"] = round(_median_ms(by_key), 2)
        results["keyless_ms"] = round(_median_ms(by_identity), 2)
        results["keyless_checks_only_ms"] = round(_median_ms(checks_only), 2)
    imports, parses = [], []
    for _ in range(COLD_ROUNDS):
        out = subprocess.run(
            [sys.executable, "-c", COLD], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout.split()
        imports.append(float(out[0]))
        parses.append(float(out[1]))
    results["cold_import_sigstore_s"] = round(statistics.median(imports), 3)
    results["cold_parse_public_root_s"] = round(statistics.median(parses), 3)
    out_path = ROOT / "bench" / "results" / "keyless.json"
    out_path.write_text(json.dumps(results, indent=2) + "\n")
    print("| case | median |\n|---|---:|")
    print(f"| key-based `verify_image` (registry reads + ECDSA) | {results['key_based_ms']} ms |")
    print(f"| keyless `verify_image` (registry reads + all checks) | {results['keyless_ms']} ms |")
    print(
        f"| keyless checks alone (SET, chain, SCT, identity, ...) | "
        f"{results['keyless_checks_only_ms']} ms |"
    )
    print(f"| first keyless use: import `sigstore` | {results['cold_import_sigstore_s']} s |")
    print(
        f"| first keyless use: parse the bundled public-good root | "
        f"{results['cold_parse_public_root_s']} s |"
    )


if __name__ == "__main__":
    main()
