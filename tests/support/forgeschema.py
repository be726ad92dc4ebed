"""Check forge API requests against each forge's published REST description.

The descriptions come as npm tarballs that ``scripts/install-system-deps.sh`` puts in
``.tools/forge-schemas`` (read here without unpacking):

GitHub
    ``@octokit/openapi`` ``generated/api.github.com.json``: GitHub's own OpenAPI 3 document. The
    path template and method must exist, every query parameter must be declared by the operation,
    and the JSON body must validate against the operation's request schema (OpenAPI 3.0 schema
    dialect, ``openapi-schema-validator``).
Bitbucket Cloud
    ``bitbucket`` ``lib/index.js``: the route table its authors generate from Bitbucket's published
    swagger (method, URL template, parameters). Method, path and query parameter names are checked.
Gitea / Forgejo
    ``@llamaduck/forgejo-ts`` ``dist/index.js``: operations generated from Forgejo's swagger (method
    and URL template). Method and path are checked.
GitLab
    GitLab publishes no OpenAPI on npm or PyPI; ``@gitbeaker/core``'s endpoint templates (a
    maintained client) are the closest: the path is checked.
"""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / ".tools" / "forge-schemas"
TARBALLS = {
    "github": ("octokit-openapi-23.0.2.tgz", "package/generated/api.github.com.json"),
    "bitbucket": ("bitbucket-2.12.0.tgz", "package/lib/index.js"),
    "gitea": ("llamaduck-forgejo-ts-15.0.9.tgz", "package/dist/index.js"),
    "gitlab": ("gitbeaker-core-43.8.0.tgz", "package/dist/index.js"),
}


def _read(forge: str) -> bytes:
    tarball, member = TARBALLS[forge]
    path = SCHEMAS / tarball
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: run scripts/install-system-deps.sh")
    with tarfile.open(path) as archive:
        extracted = archive.extractfile(member)
        assert extracted is not None
        return extracted.read()


def _template_regex(template: str, param: str = "[^/]+") -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\}|\$\{[^}]+\})", template)
    return re.compile(
        "^" + "".join(param if p.startswith(("{", "${")) else re.escape(p) for p in parts) + "$"
    )


@lru_cache(maxsize=1)
def _github() -> dict[str, Any]:
    return json.loads(_read("github"))


@lru_cache(maxsize=1)
def _github_paths() -> list[tuple[re.Pattern[str], str]]:
    return [(_template_regex(p), p) for p in _github()["paths"]]


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        for part in node["$ref"].lstrip("#/").split("/"):
            doc = doc[part.replace("~1", "/").replace("~0", "~")]  # type: ignore[assignment]
        node = doc
        doc = _github()
    return node


def check_github(method: str, path: str, query: Mapping[str, Any], body: Any) -> list[str]:
    """Problems of one GitHub REST request (empty: conforms)."""
    from jsonschema.exceptions import ValidationError
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    doc = _github()
    matches = [t for regex, t in _github_paths() if regex.match(path)]
    # The most specific template wins (literal segments beat parameters).
    matches.sort(key=lambda t: t.count("{"))
    if not matches:
        return [f"{method} {path}: no such path in GitHub's OpenAPI"]
    operation = doc["paths"][matches[0]].get(method.lower())
    if operation is None:
        return [f"{method} {matches[0]}: method not in GitHub's OpenAPI"]
    problems = []
    declared = {
        p["name"]
        for p in (_resolve(doc, x) for x in operation.get("parameters", []))
        if p.get("in") == "query"
    }
    problems += [
        f"{method} {matches[0]}: undeclared query '{q}'" for q in query if q not in declared
    ]
    content = _resolve(doc, operation.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if body is not None and schema is None:
        problems.append(f"{method} {matches[0]}: takes no JSON body")
    elif schema is not None:
        registry = Registry().with_resource("urn:github", Resource(doc, specification=DRAFT4))
        pointer = "/".join(
            ["paths", matches[0].replace("~", "~0").replace("/", "~1"), method.lower()]
        )
        ref = {"$ref": f"urn:github#/{pointer}/requestBody/content/application~1json/schema"}
        if "$ref" in (operation.get("requestBody") or {}):
            ref = {
                "$ref": "urn:github"
                + operation["requestBody"]["$ref"]
                + "/content/application~1json/schema"
            }
        try:
            OAS30Validator(ref, registry=registry).validate(body)
        except ValidationError as exc:
            problems.append(f"{method} {matches[0]}: body does not conform: {exc.message}")
    return problems


@lru_cache(maxsize=1)
def _bitbucket() -> list[tuple[str, re.Pattern[str], str, set[str]]]:
    text = _read("bitbucket").decode()
    routes = []
    for m in re.finditer(
        r'method:"(GET|POST|PUT|DELETE|PATCH)",params:\{(.*?)\},(?:returns:"[^"]*",)?url:"([^"]+)"',
        text,
    ):
        params = set(re.findall(r"(\w+):\{", m.group(2)))
        routes.append((m.group(1), _template_regex(m.group(3)), m.group(3), params))
    return routes


def check_bitbucket(method: str, path: str, query: Mapping[str, Any], body: Any) -> list[str]:
    for verb, regex, template, params in _bitbucket():
        if verb == method and regex.match(path):
            bad = [q for q in query if q not in params]
            return [f"{method} {template}: undeclared query '{q}'" for q in bad]
    return [f"{method} {path}: not in Bitbucket's route table"]


@lru_cache(maxsize=1)
def _gitea() -> list[tuple[str, re.Pattern[str]]]:
    text = _read("gitea").decode()
    ops = []
    for call in re.finditer(r"\.(get|post|put|patch|delete)\(\{", text):
        url = re.search(r'url: "([^"]+)"', text[call.end() : call.end() + 1500])
        if url is not None:
            ops.append((call.group(1).upper(), _template_regex(url.group(1))))
    return ops


def check_gitea(method: str, path: str, query: Mapping[str, Any], body: Any) -> list[str]:
    ok = any(verb == method and regex.match(path) for verb, regex in _gitea())
    return [] if ok else [f"{method} {path}: not an operation of Forgejo's API"]


@lru_cache(maxsize=1)
def _gitlab() -> list[re.Pattern[str]]:
    text = _read("gitlab").decode()
    templates = set(re.findall(r"endpoint`([^`]+)`", text))
    templates |= set(re.findall(r'\(this, "([a-z_/]+)"', text))
    # gitbeaker's ``${resourceId}`` is ``projects/<id>``: a parameter may span segments here.
    return [_template_regex("/" + t.lstrip("/"), "[^/]+(?:/[^/]+)?") for t in templates]


def check_gitlab(method: str, path: str, query: Mapping[str, Any], body: Any) -> list[str]:
    # gitbeaker writes project paths as ``projects/${projectId}``; GitLab's users search too.
    ok = any(regex.match(path) for regex in _gitlab())
    return [] if ok else [f"{method} {path}: no such GitLab endpoint in @gitbeaker/core"]


CHECKS = {
    "github": check_github,
    "bitbucket": check_bitbucket,
    "gitea": check_gitea,
    "gitlab": check_gitlab,
}


def warm(forge: str) -> None:
    """Load (and cache) a forge's description now, not inside the first request's timeout."""
    {"github": _github_paths, "bitbucket": _bitbucket, "gitea": _gitea, "gitlab": _gitlab}[forge]()
