"""Calls add.add_common with MindSpore Serving's own wire messages, using nothing but grpcio and numpy.

Make the stubs first, into the folder you run this from:
  python3 -m grpc_tools.protoc -I sdk/SharpServing.Protocol/Protos --python_out=. --grpc_python_out=. \
      sdk/SharpServing.Protocol/Protos/ms_service.proto
Usage: python3 add_client.py [ADDRESS]   (default 127.0.0.1:5500)
"""
import sys

import grpc
import numpy as np

sys.path.insert(0, ".")  # the generated ms_service_pb2*.py
import ms_service_pb2 as pb  # noqa: E402
import ms_service_pb2_grpc as pb_grpc  # noqa: E402


def tensor(array):
    """A numpy array as a wire tensor: shape, data type, row-major little-endian bytes."""
    dtypes = {np.float32: pb.MS_FLOAT32, np.int32: pb.MS_INT32, np.int64: pb.MS_INT64, np.float64: pb.MS_FLOAT64}
    return pb.Tensor(shape=pb.TensorShape(dims=array.shape), dtype=dtypes[array.dtype.type], data=array.tobytes())


def array(wire):
    dtypes = {pb.MS_FLOAT32: np.float32, pb.MS_INT32: np.int32, pb.MS_INT64: np.int64, pb.MS_FLOAT64: np.float64}
    return np.frombuffer(wire.data, dtypes[wire.dtype]).reshape(wire.shape.dims)


address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:5500"
request = pb.PredictRequest(servable_spec=pb.ServableSpec(name="add", method_name="add_common", version_number=0))
for scale in (1, 2):
    x = np.array([[1, 2], [3, 4]], np.float32) * scale
    instance = request.instances.add()
    instance.items["x1"].CopyFrom(tensor(x))
    instance.items["x2"].CopyFrom(tensor(np.ones((2, 2), np.float32)))

with grpc.insecure_channel(address) as channel:
    reply = pb_grpc.MSServiceStub(channel).Predict(request, timeout=30)

# No error_msg: every instance succeeded. One entry: a request-wide error. N entries: one per instance (code 0 = ok).
if len(reply.error_msg) == 1 and reply.error_msg[0].error_code != 0:
    sys.exit(f"error {reply.error_msg[0].error_code}: {reply.error_msg[0].error_msg.decode()}")
for i, instance in enumerate(reply.instances):
    if len(reply.error_msg) > i and reply.error_msg[i].error_code != 0:
        print(i, "error:", reply.error_msg[i].error_msg.decode())
    else:
        print(i, array(instance.items["y"]).tolist())
