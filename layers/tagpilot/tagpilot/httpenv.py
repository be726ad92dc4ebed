"""Read the HTTP environment once per process, as Go's ``http.ProxyFromEnvironment`` does.

With ``Session.trust_env`` on (the default), ``requests`` reads the environment again on every
request: the proxy variables (twice, with ``NO_PROXY``), ``NETRC`` and the ``~/.netrc`` files,
``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``. That is about a tenth of a loopback registry
``HEAD`` (0.36 ms of 3.2 ms in ``bench/oci``'s unchanged cycle, the CPU's caches cold as in a
worker between messages). A session prepared here reads the CA bundle variables once, and stops
reading the environment when no proxy variable and no netrc file is set (with one, ``requests``
keeps its full per-request semantics, ``NO_PROXY`` included). A Lambda function's environment
is fixed for its container's life.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import requests
from requests.utils import NETRC_FILES


def per_request(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``requests`` must keep reading the environment per request: a proxy variable
    (any ``*_proxy``, any case, as urllib reads them), ``NETRC``, a netrc file, or a platform
    whose system proxy settings urllib also reads (macOS, Windows: always kept).

    >>> per_request({})
    False
    >>> per_request({"HTTPS_PROXY": "http://proxy:3128"}), per_request({"no_proxy": "*"})
    (True, True)
    """
    if sys.platform in ("darwin", "win32"):
        return True
    env = os.environ if environ is None else environ
    if env.get("NETRC") or any(k.lower().endswith("_proxy") and v for k, v in env.items()):
        return True
    return any(os.path.exists(path) for path in _netrc_files(env))


def _netrc_files(env: Mapping[str, str]) -> list[str]:
    if env is os.environ:  # expanduser falls back to the password database without HOME
        return [os.path.expanduser(f"~/{name}") for name in NETRC_FILES]
    home = env.get("HOME")
    return [os.path.join(home, name) for name in NETRC_FILES] if home else []


def prepared(
    session: requests.Session, environ: Mapping[str, str] | None = None
) -> requests.Session:
    """``session``, reading the environment once where reading it per request changes nothing.

    The CA bundle variable ``requests`` would pick (``REQUESTS_CA_BUNDLE``, else
    ``CURL_CA_BUNDLE``) becomes ``session.verify``: the same for every request that passes no
    ``verify=`` (none of tagpilot's does; an explicit ``verify=True`` would now mean certifi's
    bundle). Explicit ``proxies=`` (a spec's ``proxySecretRef``) still apply.
    """
    env = os.environ if environ is None else environ
    if per_request(env):
        return session
    bundle = env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False
    return session
