"""The example servables through the Open Inference Protocol: add and ocr over gRPC (python3-grpcio, stubs generated from
grpc_service.proto in the working directory), face_detect and vad over REST with binary tensors (curl), vad checked
against MindSpore Serving's REST API on the same input. Usage: v2_examples.py GRPC REST PHOTO TEXT_IMAGE."""
import json
import struct
import subprocess
import sys

import grpc
import numpy as np

import grpc_service_pb2 as pb
import grpc_service_pb2_grpc as rpc

GRPC, REST, PHOTO, TEXT_IMAGE = sys.argv[1:5]
stub = rpc.GRPCInferenceServiceStub(grpc.insecure_channel(GRPC))


def binary_infer(model, inputs):
    """inputs: (name, datatype, shape, raw bytes); every output comes back binary. Returns {name: (datatype, shape, bytes)}."""
    header = json.dumps({"inputs": [{"name": n, "datatype": d, "shape": s, "parameters": {"binary_data_size": len(b)}} for n, d, s, b in inputs],
                         "parameters": {"binary_data_output": True}}).encode()
    body = header + b"".join(b for _, _, _, b in inputs)
    result = subprocess.run(["curl", "-s", "--max-time", "120", "-D", "-", "-H", f"Inference-Header-Content-Length: {len(header)}",
                             "-H", "Content-Type: application/octet-stream", "--data-binary", "@-", f"http://{REST}/v2/models/{model}/infer"],
                            input=body, capture_output=True, check=True)
    head, _, payload = result.stdout.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"inference-header-content-length"))
    reply = json.loads(payload[:length])
    outputs, at = {}, length
    for output in reply["outputs"]:
        size = output["parameters"]["binary_data_size"]
        outputs[output["name"]] = (output["datatype"], output["shape"], payload[at:at + size])
        at += size
    return outputs


def bytes_element(data):
    return struct.pack("<I", len(data)) + data


# add over gRPC.
reply = stub.ModelInfer(pb.ModelInferRequest(model_name="add.add_common", inputs=[
    pb.ModelInferRequest.InferInputTensor(name="x1", datatype="FP32", shape=[2, 2], contents=pb.InferTensorContents(fp32_contents=[1, 2, 3, 4])),
    pb.ModelInferRequest.InferInputTensor(name="x2", datatype="FP32", shape=[2, 2], contents=pb.InferTensorContents(fp32_contents=[1, 1, 1, 1]))]),
    timeout=60)
print("add", list(reply.outputs[0].contents.fp32_contents))

# ocr over gRPC: the image bytes as one BYTES element.
meta = stub.ModelMetadata(pb.ModelMetadataRequest(name="ocr.recognize"), timeout=60)
print("ocr metadata", [(t.name, t.datatype, list(t.shape)) for t in meta.inputs], [(t.name, t.datatype, list(t.shape)) for t in meta.outputs])
with open(TEXT_IMAGE, "rb") as f:
    image = f.read()
reply = stub.ModelInfer(pb.ModelInferRequest(model_name="ocr.recognize", inputs=[
    pb.ModelInferRequest.InferInputTensor(name="image", datatype="BYTES", shape=[1], contents=pb.InferTensorContents(bytes_contents=[image]))]),
    timeout=120)
print("ocr", reply.outputs[0].datatype, json.dumps(reply.outputs[0].contents.bytes_contents[0].decode()))

# face_detect over REST, binary both ways.
with open(PHOTO, "rb") as f:
    photo = f.read()
outputs = binary_infer("face_detect", [("image", "BYTES", [1], bytes_element(photo))])
boxes = np.frombuffer(outputs["boxes"][2], np.float32).reshape(outputs["boxes"][1])
scores = np.frombuffer(outputs["scores"][2], np.float32)
print("face_detect", outputs["boxes"][1], " ".join(f"{v:.0f}" for v in boxes.flatten()), f"{scores[0]:.2f}")

# vad over REST binary, and the same samples through MindSpore Serving's REST API.
rng = np.random.default_rng(7)
audio = (np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000) * 0.3 + rng.normal(0, 0.01, 16000)).astype(np.float32)
outputs = binary_infer("vad", [("audio", "FP32", [len(audio)], audio.tobytes())])
v2 = np.frombuffer(outputs["probability"][2], np.float32)
mindspore = subprocess.run(["curl", "-s", "--max-time", "120", "--data-binary", "@-", f"http://{REST}/model/vad:speech_probability"],
                           input=json.dumps({"instances": [{"audio": audio.tolist()}]}).encode(), capture_output=True, check=True).stdout
expected = np.array(json.loads(mindspore)["instances"][0]["probability"], np.float32)
print("vad", outputs["probability"][1], "equal" if np.array_equal(v2, expected) else f"different {v2} {expected}")

# ocr.recognize's statistics over gRPC: its C# stages before (decoding) and after (boxes, cls, rec) its model stage (det)
# show in compute_input and compute_output; det's runs in batch_stats. (Other tests may use the shared server too.)
stats = stub.ModelStatistics(pb.ModelStatisticsRequest(name="ocr.recognize"), timeout=60).model_stats[0]
durations = [stats.inference_stats.queue, stats.inference_stats.compute_input, stats.inference_stats.compute_infer, stats.inference_stats.compute_output]
print("ocr statistics", all(d.count >= 1 and d.ns > 0 for d in durations), sum(b.compute_infer.count for b in stats.batch_stats) >= 1)
