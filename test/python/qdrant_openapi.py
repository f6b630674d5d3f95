"""Qdrant's published OpenAPI document as a request/response validator (for qdrant_standin.py).

OpenAPI 3.0 schemas become JSON Schema 2020-12: `nullable: true` turns into an allowed null, and
every object schema that lists its properties and says nothing about others gets
`unevaluatedProperties: false` — a field the server does not know is reported, because a real
Qdrant would ignore it (the request would silently mean something else).
"""

import json
import re

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:qdrant-openapi"


def _to_json_schema(node):
    if isinstance(node, list):
        return [_to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if "$ref" in out:
        out["$ref"] = SPEC_URI + out["$ref"]
    if "properties" in out and "additionalProperties" not in out:
        out["unevaluatedProperties"] = False
    if node.get("nullable"):
        if "type" in out and not any(k in out for k in ("anyOf", "oneOf", "allOf", "$ref")):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        elif out.keys() <= {"description", "default"}:
            out = {"type": "null"}
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class Spec:
    def __init__(self, path, version):
        self.version = version
        with open(path) as f:
            raw = json.load(f)
        self.doc = _to_json_schema(raw)
        self.registry = Registry().with_resource(SPEC_URI, Resource(contents=self.doc, specification=DRAFT202012))
        self.routes = []
        for template, methods in raw["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "([^/]+)", template) + "$")
            names = re.findall(r"\{([^/]+)\}", template)
            for method, op in methods.items():
                self.routes.append((len(names), method.upper(), pattern, names, template, op))
        # Literal segments win over templates: /collections/aliases is not a collection.
        self.routes.sort(key=lambda r: r[0])

    def validator(self, schema):
        return Draft202012Validator(_to_json_schema(schema), registry=self.registry)

    def route(self, method, path):
        for _, m, pattern, names, template, op in self.routes:
            match = pattern.match(path)
            if m == method and match:
                return template, op, dict(zip(names, match.groups()))
        return None, None, None

    def check_request(self, method, path, query, body):
        """Violations of this version's schema, as strings; [] when the request is valid."""
        template, op, path_params = self.route(method, path)
        if op is None:
            return None, [f"{method} {path}: no such operation in Qdrant {self.version}"]
        problems = []
        params = {p["name"]: p for p in op.get("parameters", [])}
        for name, value in query.items():
            p = params.get(name)
            if p is None or p["in"] != "query":
                problems.append(f"query parameter {name!r} is not defined")
                continue
            for err in self.validator(p["schema"]).iter_errors(_coerce(value)):
                problems.append(f"query {name}={value!r}: {err.message}")
        for name, value in path_params.items():
            for err in self.validator(params[name]["schema"]).iter_errors(value):
                problems.append(f"path {name}={value!r}: {err.message}")
        body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if body_schema is None and body is not None:
            problems.append("a body where the operation takes none")
        elif body_schema is not None:
            if body is None and op["requestBody"].get("required"):
                problems.append("the required body is missing")
            elif body is not None:
                problems += [_describe(err) for err in self.validator(body_schema).iter_errors(body)]
        return op["operationId"], [f"{method} {template}: {p}" for p in problems]

    def check_response(self, method, path, status, body):
        _, op, _ = self.route(method, path)
        responses = op.get("responses", {})
        spec = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        schema = (spec or {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return [] if spec else [f"status {status} is not documented"]
        return [f"response {status}: {_describe(e)}" for e in self.validator(schema).iter_errors(body)]


def _coerce(value):
    if value in ("true", "false"):
        return value == "true"
    return int(value) if re.fullmatch(r"-?\d+", value) else value


def _leaves(err):
    if not err.context:
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        return [f"{where}: {err.message[:200]}"]
    return [leaf for sub in err.context for leaf in _leaves(sub)]


def _describe(err):
    # An anyOf failure says little at its top; its leaves name the fields each branch rejected.
    leaves = list(dict.fromkeys(_leaves(err)))
    return "body " + " | ".join(leaves)[:800]


def load_specs(paths_by_version):
    return {v: Spec(p, v) for v, p in paths_by_version.items()}
