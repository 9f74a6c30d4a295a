"""Calls grpc.health.v1.Health with Debian's python3-grpcio.

usage: health_client.py STUBS_DIR TARGET check SERVICE...  -> one JSON document: {"SERVICE": "SERVING" or "code:5", ...}
       health_client.py STUBS_DIR TARGET watch SERVICE COUNT -> one JSON line per status received; after COUNT statuses
       the call is cancelled and {"cancelled": true} is printed. Each line is flushed, so the caller can change the status
       between them.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402

import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402


def main():
    target, mode = sys.argv[2], sys.argv[3]
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        if mode == "check":
            out = {}
            for service in sys.argv[4:]:
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=20)
                    out[service] = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
                except grpc.RpcError as error:
                    out[service] = "code:%d" % error.code().value[0]
            json.dump(out, sys.stdout)
            return
        service, count = sys.argv[4], int(sys.argv[5])
        call = stub.Watch(health_pb2.HealthCheckRequest(service=service), timeout=30)
        received = 0
        for reply in call:
            print(json.dumps({"status": health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}), flush=True)
            received += 1
            if received == count:
                call.cancel()
                break
        print(json.dumps({"cancelled": True}), flush=True)


main()
