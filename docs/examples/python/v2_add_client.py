"""add.add_common over the Open Inference Protocol's gRPC API with python3-grpcio; run from the folder holding the stubs
grpc_tools.protoc generated from sdk/SharpServing.Protocol/Protos/grpc_service.proto. Usage: v2_add_client.py HOST:PORT"""
import sys

sys.path.insert(0, ".")
import grpc  # noqa: E402
import numpy as np  # noqa: E402

import grpc_service_pb2 as pb  # noqa: E402
import grpc_service_pb2_grpc as rpc  # noqa: E402

stub = rpc.GRPCInferenceServiceStub(grpc.insecure_channel(sys.argv[1]))
x = np.array([[1, 2], [3, 4]], dtype=np.float32)
request = pb.ModelInferRequest(model_name="add.add_common")
for name in ["x1", "x2"]:
    request.inputs.add(name=name, datatype="FP32", shape=x.shape)
    request.raw_input_contents.append(x.tobytes())
reply = stub.ModelInfer(request, timeout=10)
output = reply.outputs[0]
y = np.frombuffer(reply.raw_output_contents[0], dtype=np.float32).reshape(output.shape)
print(reply.model_name, reply.model_version, output.name, output.datatype, y.tolist())
