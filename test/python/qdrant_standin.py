"""A stand-in Qdrant REST server for vecflow's contract test (test/integration/store.qdrant-contract).

Every request is checked against Qdrant's published OpenAPI documents (../shared/qdrant) before
anything runs: a request the enforced version's schema rejects gets the 400 a real server would
send, and every violation, of every loaded version, is recorded. The answers come from
qdrant-client's local mode (QdrantClient(":memory:"), written by Qdrant's team) behind the thin
translation below: REST body -> qdrant_client's own pydantic models -> the client's method ->
Qdrant's response envelope, which is checked against the documented response schema too.

    qdrant_standin.py --spec 1.18=<openapi.json> [--spec 1.16=<openapi.json>] --enforce 1.18
prints {"port": N} on its first line; GET /__contract/report returns what was seen.
"""

import argparse
import json
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import TypeAdapter
from qdrant_client import QdrantClient
from qdrant_client.http import models

from qdrant_openapi import load_specs

warnings.filterwarnings("ignore")  # local mode warns that payload indexes have no effect
client = QdrantClient(":memory:")
lock = threading.Lock()
report = {"violations": [], "operations": {}}


def parse(model, body):
    return TypeAdapter(model).validate_python(body)


def dump(value):
    if isinstance(value, list):
        return [dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return value


def rest_with_payload(value, default):
    return default if value is None else value


# One function per operation the adapter may call: (path params, query, body) -> result.
# Defaults are the REST API's own (its descriptions), which differ from the client's in places.
def get_points(p, q, b):
    r = parse(models.PointRequest, b)
    return client.retrieve(
        p["collection_name"], r.ids, with_payload=rest_with_payload(r.with_payload, True), with_vectors=r.with_vector or False
    )


def upsert_points(p, q, b):
    r = parse(models.PointInsertOperations, b)
    points = r.batch if isinstance(r, models.PointsBatch) else r.points
    return client.upsert(p["collection_name"], points=points, update_filter=r.update_filter, update_mode=r.update_mode)


def batch_update(p, q, b):
    # Local mode's batch_update_points drops an upsert's update_mode (qdrant-client 1.18.0), which
    # the server's schema carries in UpsertOperation: upserts run as single upserts instead.
    results = []
    for op in parse(models.UpdateOperations, b).operations:
        if isinstance(op, models.UpsertOperation):
            results.append(upsert_points(p, q, op.upsert.model_dump(mode="json", exclude_none=True)))
        else:
            results += client.batch_update_points(p["collection_name"], update_operations=[op])
    return results


def scroll_points(p, q, b):
    r = parse(models.ScrollRequest, b)
    points, offset = client.scroll(
        p["collection_name"],
        scroll_filter=r.filter,
        limit=r.limit or 10,
        offset=r.offset,
        order_by=r.order_by,
        with_payload=rest_with_payload(r.with_payload, True),
        with_vectors=r.with_vector or False,
    )
    return {"points": dump(points), "next_page_offset": offset}


def count_points(p, q, b):
    r = parse(models.CountRequest, b)
    return client.count(p["collection_name"], count_filter=r.filter, exact=r.exact is not False)


def query_points(p, q, b):
    r = parse(models.QueryRequest, b)
    return client.query_points(
        p["collection_name"],
        query=r.query,
        query_filter=r.filter,
        search_params=r.params,
        limit=r.limit or 10,
        offset=r.offset,
        with_payload=rest_with_payload(r.with_payload, False),
        with_vectors=r.with_vector or False,
        score_threshold=r.score_threshold,
    )


HANDLERS = {
    "collection_exists": lambda p, q, b: {"exists": client.collection_exists(p["collection_name"])},
    "create_collection": lambda p, q, b: client.create_collection(
        p["collection_name"], vectors_config=parse(models.CreateCollection, b).vectors
    ),
    "delete_collection": lambda p, q, b: client.delete_collection(p["collection_name"]),
    "create_field_index": lambda p, q, b: client.create_payload_index(
        p["collection_name"], b["field_name"], field_schema=parse(models.CreateFieldIndex, b).field_schema
    ),
    "get_points": get_points,
    "upsert_points": upsert_points,
    "batch_update": batch_update,
    "delete_points": lambda p, q, b: client.delete(p["collection_name"], points_selector=parse(models.PointsSelector, b)),
    "scroll_points": scroll_points,
    "count_points": count_points,
    "query_points": query_points,
    "get_collections_aliases": lambda p, q, b: client.get_aliases(),
    "update_aliases": lambda p, q, b: client.update_collection_aliases(
        change_aliases_operations=parse(models.ChangeAliasesOperation, b).actions
    ),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    specs = {}
    enforce = None

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == "/__contract/report":
            return self.reply(200, report)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            body = json.loads(raw) if raw else None
        except ValueError as err:
            return self.reply(400, {"status": {"error": f"Format error in JSON body: {err}"}, "time": 0})
        operation, enforced = None, []
        for version, spec in self.specs.items():
            op, problems = spec.check_request(self.command, path, query, body)
            for problem in problems:
                report["violations"].append({"version": version, "kind": "request", "problem": problem})
            if version == self.enforce:
                operation, enforced = op, problems
        if operation:
            report["operations"][operation] = report["operations"].get(operation, 0) + 1
        if enforced:
            return self.reply(404 if operation is None else 400, {"status": {"error": "; ".join(enforced)}, "time": 0})
        status, answer = self.answer(operation, path, query, body)
        for problem in self.specs[self.enforce].check_response(self.command, path, status, answer):
            report["violations"].append({"version": self.enforce, "kind": "response", "problem": problem})
        self.reply(status, answer)

    def answer(self, operation, path, query, body):
        started = time.monotonic()
        if operation == "root":
            return 200, {"title": "qdrant - vector search engine (contract stand-in)", "version": self.enforce + ".0"}
        handler = HANDLERS.get(operation)
        if handler is None:
            return 501, {"status": {"error": f"the stand-in does not translate {operation}"}, "time": 0}
        _, _, params = self.specs[self.enforce].route(self.command, path)
        try:
            with lock:
                result = dump(handler(params, query, body))
        except (ValueError, KeyError) as err:
            missing = "not found" in str(err).lower() or "does not exist" in str(err).lower()
            return (404 if missing else 400), {"status": {"error": str(err)}, "time": time.monotonic() - started}
        return 200, {"result": result, "status": "ok", "time": time.monotonic() - started}

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", action="append", required=True, help="VERSION=PATH of a Qdrant OpenAPI document")
    ap.add_argument("--enforce", required=True)
    args = ap.parse_args()
    Handler.specs = load_specs(dict(s.split("=", 1) for s in args.spec))
    Handler.enforce = args.enforce
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
