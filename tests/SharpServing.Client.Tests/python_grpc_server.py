"""A gRPC-core server (Python grpcio) for the client interop test.

Serves /mindspore.serving.proto.MSService/Predict with raw bytes: replies with the bytes given as hex in argv[1], and
writes each request's bytes (hex) to argv[2]. The receive limit is 1 MiB. Prints the bound port, then serves until
stdin closes.
"""
import sys
from concurrent import futures

import grpc

reply = bytes.fromhex(sys.argv[1])
requests_file = sys.argv[2]


def predict(request, context):
    with open(requests_file, "a", encoding="ascii") as f:
        f.write(request.hex() + "\n")
    return reply


handler = grpc.method_handlers_generic_handler(
    "mindspore.serving.proto.MSService",
    {"Predict": grpc.unary_unary_rpc_method_handler(predict)})
server = grpc.server(futures.ThreadPoolExecutor(max_workers=2),
                     options=[("grpc.max_receive_message_length", 1024 * 1024)])
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
sys.stdin.read()
server.stop(0)
