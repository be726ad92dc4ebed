#!/usr/bin/env bash
# Compiles bytecode for the Lambda runtime (Python 3.13) into DIR, which runs as RUNTIME_DIR.
#
# SAM zips build artefacts with a fixed 1980 timestamp, so ordinary timestamp-checked .pyc files
# would look stale and be recompiled on every cold start (measured ~1.3 s vs ~0.4 s for the whole
# stack). Unchecked-hash .pyc files are used as they are, and contain no timestamps, so the build
# stays reproducible. Bytecode must come from the target version: without a Python 3.13 the step
# is skipped and the artefact is still correct, only slower to import.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -ne 2 ]]; then
    echo "usage: $0 DIR RUNTIME_DIR  (e.g. .aws-sam/build/X/python /opt/python)" >&2
    exit 2
fi
dir="$1"
runtime_dir="$2"
if ! "$here/python313" -c '' 2>/dev/null; then
    echo "compile-bytecode: no Python 3.13 found; skipping bytecode (imports will compile at cold start)"
    exit 0
fi
# The file names recorded in the bytecode are the paths at run time (-s/-p), not the build
# directory's: tracebacks point at real files and the output does not depend on where it was built.
"$here/python313" -m compileall -q -j 0 --invalidation-mode unchecked-hash \
    -s "$dir" -p "$runtime_dir" "$dir"
echo "compile-bytecode: compiled $dir for $runtime_dir with Python $("$here/python313" -c 'import sys; print(sys.version.split()[0])')"
