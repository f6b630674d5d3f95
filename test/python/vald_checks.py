"""Vald's own Python client (vald-client-python) against vecflow's gRPC API, for the tests.

Usage: vald_checks.py ADDRESS SCENARIO. Prints one JSON object: what each call answered, which
the test asserts on. Covers the RPCs vald-client-node lacks (UpdateTimestamp, RemoveByTimestamp,
GetTimestamp, StreamListObject, Flush), search, health checking and server reflection.
"""

import json
import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from vald.v1.payload import payload_pb2 as p
from vald.v1.vald import (
    flush_pb2_grpc,
    insert_pb2_grpc,
    object_pb2_grpc,
    remove_pb2_grpc,
    search_pb2_grpc,
    update_pb2_grpc,
)

DIM = 384
ADDRESS, SCENARIO = sys.argv[1], sys.argv[2]
KEY = os.environ.get("VALD_API_KEY")
channel = grpc.insecure_channel(ADDRESS)
METADATA = [("authorization", f"ApiKey {KEY}")] if KEY else []


def vec(seed):
    import math

    return [math.sin(seed * 31 + j) / 3 for j in range(DIM)]


def code(fn):
    """The status code name of a call: OK, or the error's."""
    try:
        fn()
        return "OK"
    except grpc.RpcError as e:
        return e.code().name


def insert(id_, seed, ts):
    stub = insert_pb2_grpc.InsertStub(channel)
    req = p.Insert.Request(
        vector=p.Object.Vector(id=id_, vector=vec(seed)), config=p.Insert.Config(skip_strict_exist_check=True, timestamp=ts)
    )
    return stub.Insert(req, metadata=METADATA)


def get_ts(id_):
    stub = object_pb2_grpc.ObjectStub(channel)
    return stub.GetTimestamp(p.Object.TimestampRequest(id=p.Object.ID(id=id_)), metadata=METADATA).timestamp


def timestamps():
    update = update_pb2_grpc.UpdateStub(channel)
    remove = remove_pb2_grpc.RemoveStub(channel)
    out = {}
    insert("py-ts", 1, 100)
    out["initial"] = get_ts("py-ts")
    ut = lambda ts, force=False, id_="py-ts": update.UpdateTimestamp(  # noqa: E731
        p.Update.TimestampRequest(id=id_, timestamp=ts, force=force), metadata=METADATA
    )
    out["newer"] = code(lambda: ut(200))
    out["after_newer"] = get_ts("py-ts")
    out["older"] = code(lambda: ut(150))
    out["older_forced"] = code(lambda: ut(150, True))
    out["after_forced"] = get_ts("py-ts")
    out["missing"] = code(lambda: ut(500, id_="py-none"))
    out["zero"] = code(lambda: ut(0))
    for i, ts in enumerate([1000, 2000, 3000]):
        insert(f"py-r{i}", i, ts)
    op = p.Remove.Timestamp.Operator
    locs = remove.RemoveByTimestamp(
        p.Remove.TimestampRequest(
            timestamps=[p.Remove.Timestamp(timestamp=2000, operator=op.GE), p.Remove.Timestamp(timestamp=3000, operator=op.LT)]
        ),
        metadata=METADATA,
    )
    out["removed_by_timestamp"] = sorted(l.uuid for l in locs.locations)
    out["empty_conditions"] = code(lambda: remove.RemoveByTimestamp(p.Remove.TimestampRequest(), metadata=METADATA))
    return out


def listing():
    stub = object_pb2_grpc.ObjectStub(channel)
    ids = [r.vector.id for r in stub.StreamListObject(p.Object.List.Request(), metadata=METADATA)]
    return {"count": len(ids), "ids": sorted(ids)}


def flush():
    stub = flush_pb2_grpc.FlushStub(channel)
    count = stub.Flush(p.Flush.Request(), metadata=METADATA)
    exists = code(lambda: object_pb2_grpc.ObjectStub(channel).Exists(p.Object.ID(id="py-ts"), metadata=METADATA))
    return {"stored": count.stored, "exists_after": exists, "listed_after": listing()["count"]}


def health():
    stub = health_pb2_grpc.HealthStub(channel)
    check = lambda s: health_pb2.HealthCheckResponse.ServingStatus.Name(  # noqa: E731
        stub.Check(health_pb2.HealthCheckRequest(service=s)).status
    )
    return {"": check(""), "vald.v1.Insert": check("vald.v1.Insert"), "vald.v1.Search": check("vald.v1.Search")}


def reflection():
    db = ProtoReflectionDescriptorDatabase(channel)
    services = sorted(db.get_services())
    method = db.FindFileContainingSymbol("vald.v1.Insert")
    return {"services": services, "insert_file": method.name}


def search():
    stub = search_pb2_grpc.SearchStub(channel)
    for i in range(20):
        insert(f"py-s{i}", 100 + i, 10)
    cfg = lambda **kw: p.Search.Config(  # noqa: E731
        **{"request_id": "q", "num": 5, "radius": -1.0, "epsilon": 0.1, "timeout": 3_000_000_000, **kw}
    )
    res = stub.Search(p.Search.Request(vector=vec(105), config=cfg()), metadata=METADATA)
    by_id = stub.SearchByID(p.Search.IDRequest(id="py-s7", config=cfg()), metadata=METADATA)
    linear = stub.LinearSearch(p.Search.Request(vector=vec(105), config=cfg(num=3)), metadata=METADATA)
    multi = stub.MultiSearch(
        p.Search.MultiRequest(requests=[p.Search.Request(vector=vec(100 + i), config=cfg(num=1)) for i in range(3)]),
        metadata=METADATA,
    )
    stream = list(
        stub.StreamSearch(
            iter([p.Search.Request(vector=vec(101), config=cfg(num=1)), p.Search.Request(vector=[1.0], config=cfg())]),
            metadata=METADATA,
        )
    )
    return {
        "search": [(r.id, r.distance) for r in res.results],
        "request_id": res.request_id,
        "by_id": [r.id for r in by_id.results],
        "linear": [r.id for r in linear.results],
        "multi": [[r.id for r in resp.results] for resp in multi.responses],
        "stream": [
            {"ids": [r.id for r in s.response.results]} if s.HasField("response") else {"code": s.status.code}
            for s in stream
        ],
        "radius": [r.id for r in stub.Search(p.Search.Request(vector=vec(105), config=cfg(radius=1e-6)), metadata=METADATA).results],
        "min_num": code(lambda: stub.Search(p.Search.Request(vector=vec(105), config=cfg(min_num=1000, num=20)), metadata=METADATA)),
        "num_zero": code(lambda: stub.Search(p.Search.Request(vector=vec(105), config=cfg(num=0)), metadata=METADATA)),
        "wrong_dim": code(lambda: stub.Search(p.Search.Request(vector=[0.5, 0.5], config=cfg()), metadata=METADATA)),
        "missing_id": code(lambda: stub.SearchByID(p.Search.IDRequest(id="py-none", config=cfg()), metadata=METADATA)),
    }


def auth():
    stub = object_pb2_grpc.ObjectStub(channel)
    req = p.Object.ID(id="anything")
    calls = {
        "none": lambda: stub.Exists(req),
        "wrong": lambda: stub.Exists(req, metadata=[("authorization", "ApiKey wrong")]),
        "bare": lambda: stub.Exists(req, metadata=[("authorization", KEY)]),
        "apikey": lambda: stub.Exists(req, metadata=[("authorization", f"ApiKey {KEY}")]),
        "bearer": lambda: stub.Exists(req, metadata=[("authorization", f"Bearer {KEY}")]),
    }
    out = {}
    for name, fn in calls.items():
        try:
            fn()
            out[name] = ["OK", ""]
        except grpc.RpcError as e:
            out[name] = [e.code().name, e.details()]
    out["health"] = health()[""]
    return out


def roles():
    """What one key (VALD_API_KEY) may do: a read, a write, and the two admin RPCs."""
    op = p.Remove.Timestamp.Operator
    never = p.Remove.TimestampRequest(timestamps=[p.Remove.Timestamp(timestamp=1, operator=op.LT)])
    calls = {
        "exists": lambda: object_pb2_grpc.ObjectStub(channel).Exists(p.Object.ID(id="py-none"), metadata=METADATA),
        "insert": lambda: insert(f"py-role-{KEY}", 3, 10),
        "remove_by_timestamp": lambda: remove_pb2_grpc.RemoveStub(channel).RemoveByTimestamp(never, metadata=METADATA),
        "flush": lambda: flush_pb2_grpc.FlushStub(channel).Flush(p.Flush.Request(), metadata=METADATA),
    }
    return {name: code(fn) for name, fn in calls.items()}


print(json.dumps({"timestamps": timestamps, "list": listing, "flush": flush, "health": health,
                  "reflection": reflection, "search": search, "auth": auth,
                  "roles": roles}[SCENARIO]()))
