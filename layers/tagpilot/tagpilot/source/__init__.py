"""Git access for image update automations, without a working tree.

Files are read from Git tree objects of an in-memory shallow fetch, edited as bytes, and
committed by building new blobs and trees; the commit is optionally OpenPGP-signed and pushed,
with a refetch-and-retry when the remote moved.

Modules: :mod:`~tagpilot.source.auth` (credentials from Flux secrets),
:mod:`~tagpilot.source.remote` (HTTP(S)/SSH transports), :mod:`~tagpilot.source.fetch`
(``fetch_branch``, ``ls_remote``), :mod:`~tagpilot.source.checkout` (tree walking),
:mod:`~tagpilot.source.commit`, :mod:`~tagpilot.source.signing`, :mod:`~tagpilot.source.push`,
:mod:`~tagpilot.source.workflow` (``run_update``) and :mod:`~tagpilot.source.errors`.
"""
