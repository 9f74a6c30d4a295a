"""Sends PredictRequests with Debian's python3-grpcio and prints the outcomes as one JSON document.

usage: predict_client.py STUBS_DIR SCENARIO_JSON
The scenario: {"target": "127.0.0.1:port" or "unix:/path", "tls": null or {"root", "cert", "key", "override"},
"requests": [PredictRequest in protobuf JSON, ...], "channels": 1, "repeat": 1, "timeout": 20}.
Every channel sends every request "repeat" times, all at once (futures); results come back in order:
{"results": [{"ok": true, "reply": PredictReply JSON} or {"ok": false, "code": 8, "details": "..."}]}.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

import ms_service_pb2  # noqa: E402
import ms_service_pb2_grpc  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        return f.read()


def open_channel(scenario):
    options = [
        ("grpc.max_send_message_length", 512 * 1024 * 1024),
        ("grpc.max_receive_message_length", 512 * 1024 * 1024),
        # Each channel gets its own connection.
        ("grpc.use_local_subchannel_pool", 1),
    ]
    tls = scenario.get("tls")
    if not tls:
        return grpc.insecure_channel(scenario["target"], options=options)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(tls["root"]),
        private_key=read(tls["key"]) if tls.get("key") else None,
        certificate_chain=read(tls["cert"]) if tls.get("cert") else None,
    )
    if tls.get("override"):
        options.append(("grpc.ssl_target_name_override", tls["override"]))
    return grpc.secure_channel(scenario["target"], credentials, options=options)


def main():
    with open(sys.argv[2], encoding="utf-8") as f:
        scenario = json.load(f)
    requests = [json_format.ParseDict(r, ms_service_pb2.PredictRequest()) for r in scenario["requests"]]
    timeout = scenario.get("timeout", 20)
    channels = [open_channel(scenario) for _ in range(scenario.get("channels", 1))]
    futures = []
    for channel in channels:
        stub = ms_service_pb2_grpc.MSServiceStub(channel)
        for _ in range(scenario.get("repeat", 1)):
            for request in requests:
                futures.append(stub.Predict.future(request, timeout=timeout))
    results = []
    for future in futures:
        try:
            reply = future.result()
            results.append({"ok": True, "reply": json_format.MessageToDict(reply)})
        except grpc.RpcError as error:
            results.append({"ok": False, "code": error.code().value[0], "details": error.details()})
    for channel in channels:
        channel.close()
    json.dump({"results": results}, sys.stdout)


main()
