"""OCI artifacts as Flux builds and consumes them: ignore rules, tarballs, layout, references.

Pure domain code: file system and bytes in, no HTTP and no AWS (the registry client and the
artifact storage are passed in by the reconciler and the CLI).
"""
