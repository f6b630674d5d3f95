"""Writes the FileDescriptorSet of what vecflow serves on gRPC, from the published Python packages.

Vald's API as vald-client-python publishes it, and standard health checking as
grpcio-health-checking does. vecflow's gRPC server loads this set (@grpc/proto-loader), so it
speaks Vald's own wire format; the same descriptors serve gRPC reflection, file for file.
Usage: dump_descriptors.py OUT_FILE
"""

import importlib
import sys

from google.protobuf import descriptor_pb2

# The services vecflow serves, and Vald's error details (google.rpc.Status payloads).
MODULES = [
    "vald.v1.vald.insert_pb2",
    "vald.v1.vald.upsert_pb2",
    "vald.v1.vald.update_pb2",
    "vald.v1.vald.remove_pb2",
    "vald.v1.vald.object_pb2",
    "vald.v1.vald.search_pb2",
    "vald.v1.vald.flush_pb2",
    "vald.v1.rpc.errdetails.error_details_pb2",
    "grpc_health.v1.health_pb2",
]


def main(out_file: str) -> None:
    fds = descriptor_pb2.FileDescriptorSet()
    seen: set[str] = set()

    def add(fd) -> None:  # dependencies first, each file once
        if fd.name in seen:
            return
        for dep in fd.dependencies:
            add(dep)
        seen.add(fd.name)
        fds.file.append(descriptor_pb2.FileDescriptorProto.FromString(fd.serialized_pb))

    for name in MODULES:
        add(importlib.import_module(name).DESCRIPTOR)
    with open(out_file, "wb") as f:
        f.write(fds.SerializeToString(deterministic=True))
    print(f"{out_file}: {len(fds.file)} files: {', '.join(p.name for p in fds.file)}")


if __name__ == "__main__":
    main(sys.argv[1])
