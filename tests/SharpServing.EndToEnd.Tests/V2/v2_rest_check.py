"""The Open Inference Protocol's REST API checked with curl against a running server whose servables include 'add' and
'echo' (one method, y = x): every endpoint, every datatype in JSON and binary form, errors. Replies are validated
against open_inference_rest.schema.json. The repository extension is the control API's: the server serves it on this
listener with --admin public and the token TOKEN. Usage: v2_rest_check.py HOST:PORT TOKEN; prints one line per check, exit 0 if all pass."""
import json
import os
import struct
import subprocess
import sys
import tempfile

import jsonschema
import numpy as np

ADDRESS = sys.argv[1]
TOKEN = sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "open_inference_rest.schema.json")) as f:
    SCHEMA = json.load(f)
CHECKS = 0


def validate(document, definition):
    jsonschema.Draft202012Validator({"$ref": "#/$defs/" + definition, "$defs": SCHEMA["$defs"]}).validate(document)


def curl(method, path, body=None, headers=None):
    """Runs curl; returns (status, headers by lower-case name, body bytes)."""
    with tempfile.TemporaryDirectory() as tmp:
        out, head = os.path.join(tmp, "body"), os.path.join(tmp, "headers")
        args = ["curl", "-s", "--max-time", "60", "-X", method, "-o", out, "-D", head, "-w", "%{http_code}"]
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        if body is not None:
            data = os.path.join(tmp, "request")
            with open(data, "wb") as f:
                f.write(body if isinstance(body, bytes) else json.dumps(body).encode())
            if not any(name.lower() == "content-type" for name in (headers or {})):
                args += ["-H", "Content-Type: application/octet-stream"]
            args += ["--data-binary", "@" + data]
        args.append(f"http://{ADDRESS}{path}")
        status = int(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
        with open(out, "rb") as f:
            content = f.read()
        parsed = {}
        with open(head) as f:
            for line in f:
                if ":" in line:
                    name, value = line.split(":", 1)
                    parsed[name.strip().lower()] = value.strip()
        return status, parsed, content


def check(name, condition, detail=""):
    global CHECKS
    if not condition:
        print(f"FAIL {name}: {detail}")
        sys.exit(1)
    CHECKS += 1
    print(f"ok {name}")


def get_json(path, status, definition):
    code, _, body = curl("GET", path)
    document = json.loads(body)
    check(f"GET {path} answers {status}", code == status, f"{code} {body!r}")
    validate(document, definition)
    return document


def infer(model, request, status=200, headers=None):
    """POSTs a request (a dict, or bytes); returns (json, binary tail)."""
    code, head, body = curl("POST", f"/v2/models/{model}/infer", request, headers)
    check(f"infer {model} answers {status}", code == status, f"{code} {body[:300]!r}")
    if "inference-header-content-length" in head:
        length = int(head["inference-header-content-length"])
        document, tail = json.loads(body[:length]), body[length:]
    else:
        document, tail = json.loads(body), b""
    validate(document, "inference_response" if status == 200 else "error_response")
    return document, tail


# Element types: numpy dtype, test values, the JSON form of the values.
TYPES = {
    "BOOL": (np.bool_, [True, False, True, True]),
    "INT8": (np.int8, [-128, 0, 1, 127]),
    "UINT8": (np.uint8, [0, 1, 200, 255]),
    "INT16": (np.int16, [-32768, -1, 2, 32767]),
    "UINT16": (np.uint16, [0, 1, 40000, 65535]),
    "INT32": (np.int32, [-2**31, -1, 3, 2**31 - 1]),
    "UINT32": (np.uint32, [0, 1, 3000000000, 2**32 - 1]),
    "INT64": (np.int64, [-2**63, -1, 5, 2**63 - 1]),
    "UINT64": (np.uint64, [0, 1, 2**63, 2**64 - 1]),
    "FP16": (np.float16, [0.5, -2.0, 1024.0, 0.099975586]),
    "FP32": (np.float32, [0.1, -2.5, 3.4028234663852886e38, 1e-7]),
    "FP64": (np.float64, [0.1, -2.5, 1.7976931348623157e308, 5e-324]),
}

# Server metadata and health.
metadata = get_json("/v2", 200, "metadata_server_response")
check("server metadata lists its extensions", set(metadata["extensions"]) >= {"binary_tensor_data", "model_repository", "statistics"}, metadata)
for path in ["/v2/health/live", "/v2/health/ready"]:
    code, _, _ = curl("GET", path)
    check(f"{path} is 200", code == 200, code)

# Model metadata: from the model signature, versions as strings, the one-method alias.
add = get_json("/v2/models/add.add_common", 200, "metadata_model_response")
check("add.add_common takes x1 and x2 as FP32 [2,2]", add["inputs"] == [
    {"name": "x1", "datatype": "FP32", "shape": [2, 2]}, {"name": "x2", "datatype": "FP32", "shape": [2, 2]}], add)
check("add.add_common gives y as FP32 [2,2]", add["outputs"] == [{"name": "y", "datatype": "FP32", "shape": [2, 2]}], add)
check("versions are strings", add["versions"] == ["2"], add)
get_json("/v2/models/add.add_common/versions/2", 200, "metadata_model_response")
cast = get_json("/v2/models/add.add_cast", 200, "metadata_model_response")
check("a Tensor parameter is reported as unknown", cast["inputs"][0] == {"name": "x1", "datatype": "", "shape": [-1]}, cast)
echo = get_json("/v2/models/echo", 200, "metadata_model_response")
check("a servable with one method is a model by its own name", echo["name"] == "echo" and [i["name"] for i in echo["inputs"]] == ["x"], echo)
get_json("/v2/models/echo.echo", 200, "metadata_model_response")
missing = get_json("/v2/models/nothing", 404, "error_response")
check("an unknown model has MindSpore Serving's text", missing["error"] == "Request servable(nothing) method() , servable is not available", missing)
wrong_method = get_json("/v2/models/add.sub", 404, "error_response")
check("an unknown method has MindSpore Serving's text", wrong_method["error"] == "Request servable(add) method(sub) , method is not available", wrong_method)
no_version = get_json("/v2/models/add.add_common/versions/9", 404, "error_response")
check("an unknown version has MindSpore Serving's text",
      no_version["error"] == "Request servable(add) method(add_common)  version(9) , servable is not available", no_version)
get_json("/v2/models/add.add_common/versions/x", 404, "error_response")
get_json("/v2/models/add", 404, "error_response")

# Readiness.
ready = get_json("/v2/models/add.add_common/ready", 200, "model_ready_response")
check("add.add_common is ready", ready == {"name": "add.add_common", "ready": True}, ready)
get_json("/v2/models/nothing/ready", 404, "error_response")

# Inference: nested and flat data, requested outputs, id.
x1 = {"name": "x1", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2], [3, 4]]}
x2 = {"name": "x2", "shape": [2, 2], "datatype": "FP32", "data": [1, 1.5, -1, 0]}
reply, _ = infer("add.add_common", {"id": "r1", "inputs": [x1, x2]})
check("add answers y = x1 + x2", reply["outputs"] == [{"name": "y", "datatype": "FP32", "shape": [2, 2], "data": [2, 3.5, 2, 4]}], reply)
check("the reply names model, version and id", (reply["model_name"], reply["model_version"], reply["id"]) == ("add.add_common", "2", "r1"), reply)
reply, _ = infer("add.add_common", {"inputs": [x1, x2], "outputs": [{"name": "y"}]})
check("a requested output is answered", [o["name"] for o in reply["outputs"]] == ["y"], reply)
reply, _ = infer("add.add_cast", {"inputs": [dict(x1, datatype="INT32"), dict(x2, datatype="FP64")]})
check("add_cast takes other datatypes", reply["outputs"][0]["data"] == [2, 3.5, 2, 4], reply)

# Every datatype through echo, JSON and binary both ways, giving identical results.
for datatype, (dtype, values) in TYPES.items():
    array = np.array(values, dtype=dtype)
    json_values = [bool(v) for v in array] if datatype == "BOOL" else array.tolist()
    json_reply, _ = infer("echo", {"inputs": [{"name": "x", "shape": [4], "datatype": datatype, "data": json_values}]})
    out = json_reply["outputs"][0]
    check(f"{datatype} JSON comes back as sent", (out["datatype"], out["shape"]) == (datatype, [4])
          and np.array_equal(np.array(out["data"], dtype=dtype), array), out)
    header = json.dumps({"inputs": [{"name": "x", "shape": [4], "datatype": datatype, "parameters": {"binary_data_size": array.nbytes}}],
                         "outputs": [{"name": "y", "parameters": {"binary_data": True}}]}).encode()
    binary_reply, tail = infer("echo", header + array.tobytes(), headers={"Inference-Header-Content-Length": len(header)})
    out = binary_reply["outputs"][0]
    check(f"{datatype} binary comes back as sent", out["parameters"]["binary_data_size"] == array.nbytes
          and np.array_equal(np.frombuffer(tail, dtype=dtype), array), (out, tail))
    mixed, _ = infer("echo", header.replace(b', "parameters": {"binary_data": true}', b"") + array.tobytes(),
                     headers={"Inference-Header-Content-Length": len(header.replace(b', "parameters": {"binary_data": true}', b""))})
    check(f"{datatype} binary in, JSON out equals JSON in, JSON out", mixed["outputs"] == json_reply["outputs"], (mixed, json_reply))

# BYTES: a JSON string, and binary as a 4-byte little-endian length and the bytes.
text = "grüße \u2603"
reply, _ = infer("echo", {"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": [text]}]})
check("BYTES JSON comes back as sent", reply["outputs"][0] == {"name": "y", "datatype": "BYTES", "shape": [1], "data": [text]}, reply)
element = text.encode()
raw = struct.pack("<I", len(element)) + element
header = json.dumps({"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "parameters": {"binary_data_size": len(raw)}}],
                     "parameters": {"binary_data_output": True}}).encode()
reply, tail = infer("echo", header + raw, headers={"Inference-Header-Content-Length": len(header)})
check("BYTES binary comes back as sent", tail == raw and reply["outputs"][0]["parameters"]["binary_data_size"] == len(raw), (reply, tail))

# A large FP32 tensor as binary.
big = np.arange(1 << 20, dtype=np.float32)
header = json.dumps({"inputs": [{"name": "x", "shape": [len(big)], "datatype": "FP32", "parameters": {"binary_data_size": big.nbytes}}],
                     "parameters": {"binary_data_output": True}}).encode()
reply, tail = infer("echo", header + big.tobytes(), headers={"Inference-Header-Content-Length": len(header)})
check("a 4 MiB FP32 binary tensor comes back as sent", np.array_equal(np.frombuffer(tail, dtype=np.float32), big), len(tail))

# Errors.
def error(model, request, status, expected, headers=None):
    document, _ = infer(model, request, status, headers)
    check(f"error text: {expected}", document["error"].startswith(expected), document)

error("add.add_common", {"inputs": [dict(x1, datatype="INT32"), x2]}, 400,
      "Given model input 0 data type kMSI_Int32 not match the data type kMSI_Float32 defined in model")
error("add.add_common", {"inputs": [dict(x1, shape=[3], data=[1, 2, 3]), x2]}, 400,
      "Given model input 0 size 12 not match the size 16 defined in model")
error("add.add_common", {"inputs": [dict(x1, shape=[5]), x2]}, 400,
      "Instances input x1 check failed, detail: Tensor check failed: input data size 16 invalid")
error("add.add_common", {"inputs": [dict(x1, shape=[-1, 4]), x2]}, 400,
      "Instances input x1 check failed, detail: Tensor check failed: input  shape [-1, 4] invalid")
error("add.add_common", {"inputs": [dict(x1, datatype="FP8"), x2]}, 400,
      "Instances input x1 check failed, detail: Tensor check failed: input data type FP8 invalid")
error("add.add_common", {"inputs": [x1]}, 400, "Cannot find input x2 in instance input , servable add, method add_common")
error("add.add_common", {"inputs": [x1, x1, x2]}, 400, "input 'x1' is given more than once")
error("add.add_common", {"inputs": [dict(x1, data=[[1, 2], [3, "a"]]), x2]}, 400, "input 'x1': an element of 'data' is not a FP32 value")
error("add.add_common", {"inputs": [x1, x2], "outputs": [{"name": "z"}]}, 400, "model 'add.add_common' has no output 'z'")
error("add.add_common", b'{"inputs": [', 400, "invalid JSON")
error("add.add_common", b'[1]', 400, "the request body must be a JSON object")
error("add.add_common", b'{"inputs": []}', 400, "Cannot find input x1")
# A string that is not valid UTF-8, or holds a lone surrogate escape, is the client's bad JSON (400), not a server error.
error("add.add_common", b'{"id": "\xb0", "inputs": []}', 400, "invalid JSON")
error("add.add_common", b'{"inputs": [{"name": "x\\ud800", "shape": [1], "datatype": "FP32", "data": [1]}]}', 400, "invalid JSON")
# An invalid literal followed by a long body: the reader's message quotes what it consumed, cut short.
document, _ = infer("add.add_common", b'{"inputs": [t' + b'x' * 20000 + b']}', 400)
check("an invalid literal is quoted short", document["error"].startswith("invalid JSON") and len(document["error"]) < 512,
      len(document["error"]))
error("nothing", {"inputs": []}, 404, "Request servable(nothing) method() , servable is not available")
error("add.add_common", b'{"inputs": []}', 400, "Inference-Header-Content-Length '99' is not a length within the 14 bytes of the body",
      headers={"Inference-Header-Content-Length": "99"})
error("add.add_common", b'{"inputs": []}', 400, "Inference-Header-Content-Length '-1' is not a length",
      headers={"Inference-Header-Content-Length": "-1"})
negative = json.dumps({"inputs": [{"name": "x1", "shape": [2, 2], "datatype": "FP32", "parameters": {"binary_data_size": -16}}]}).encode()
error("add.add_common", negative + bytes(16), 400, "input 'x1': binary_data_size -16 does not fit",
      headers={"Inference-Header-Content-Length": len(negative)})
oversize = json.dumps({"inputs": [{"name": "x1", "shape": [2, 2], "datatype": "FP32", "parameters": {"binary_data_size": 1 << 40}}]}).encode()
error("add.add_common", oversize + bytes(16), 400, "input 'x1': binary_data_size 1099511627776 does not fit the 16 bytes",
      headers={"Inference-Header-Content-Length": len(oversize)})
short = json.dumps({"inputs": [{"name": "x1", "shape": [2, 2], "datatype": "FP32", "parameters": {"binary_data_size": 16}}]}).encode()
error("add.add_common", short + bytes(20), 400, "the binary data after the JSON header has 20 bytes, the inputs' binary_data_size add up to 16",
      headers={"Inference-Header-Content-Length": len(short)})
huge_shape = {"inputs": [{"name": "x", "shape": [1 << 40, 1 << 40], "datatype": "FP64", "data": [1]}]}
error("echo", huge_shape, 400, "Instances input x check failed, detail: Tensor check failed: input data size 8 invalid")
deep = b'{"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": ' + b"[" * 100 + b"1" + b"]" * 100 + b"}]}"
error("echo", deep, 400, "invalid JSON")
# Numbers the datatype cannot hold are errors, not infinities (FP16's largest is 65504).
error("echo", {"inputs": [{"name": "x", "shape": [1], "datatype": "FP16", "data": [100000.0]}]}, 400,
      "input 'x': an element of 'data' is not a FP16 value")
error("echo", {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1e39]}]}, 400,
      "input 'x': an element of 'data' is not a FP32 value")
code, head, _ = curl("GET", "/v2/models/echo/infer")
check("GET on infer is 405 with Allow: POST", code == 405 and head.get("allow") == "POST", (code, head))
code, _, _ = curl("POST", "/v2/models/echo/infer", b"")
check("an empty body is 400", code == 400, code)

def repository(path, body=None):
    """A repository extension call with the control API's token."""
    return curl("POST", path, body, {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})


# Statistics and repository index.
stats = get_json("/v2/models/add.add_common/stats", 200, "statistics_response")
success = stats["model_stats"][0]["inference_stats"]["success"]
fail = stats["model_stats"][0]["inference_stats"]["fail"]
check("statistics count the successes and failures", success["count"] >= 2 and success["ns"] > 0 and fail["count"] >= 5, stats)
get_json("/v2/models/stats", 200, "statistics_response")

# Statistics of N requests: counts of N; every duration positive; queue and compute within the total; one run each.
DURATIONS = ["queue", "compute_input", "compute_infer", "compute_output"]


def add_stats():
    return get_json("/v2/models/add.add_common/stats", 200, "statistics_response")["model_stats"][0]


before = add_stats()
N = 20
for i in range(N):
    infer("add.add_common", {"inputs": [{"name": "x1", "shape": [2, 2], "datatype": "FP32", "data": [i, 1, 2, 3]},
                                        {"name": "x2", "shape": [2, 2], "datatype": "FP32", "data": [1, 1, 1, 1]}]})
after = add_stats()
delta = {k: {f: after["inference_stats"][k][f] - before["inference_stats"][k][f] for f in ("count", "ns")}
         for k in ["success", "fail"] + DURATIONS}
check("statistics count N requests in success and every duration", all(delta[k]["count"] == N for k in ["success"] + DURATIONS)
      and delta["fail"]["count"] == 0, delta)
check("statistics: every duration of N requests is positive", all(delta[k]["ns"] > 0 for k in DURATIONS), delta)
check("statistics: queue and compute are within the total", sum(delta[k]["ns"] for k in DURATIONS) <= delta["success"]["ns"], delta)
runs = {b["batch_size"]: b["compute_infer"]["count"] for b in after["batch_stats"]}
runs_before = {b["batch_size"]: b["compute_infer"]["count"] for b in before["batch_stats"]}
check("statistics: batch_stats count each run (add runs each request alone)", runs.get(1, 0) - runs_before.get(1, 0) == N
      and after["execution_count"] - before["execution_count"] == N, (before, after))
check("statistics: a batch entry's durations count its runs", all(
    b[k]["count"] == b["compute_infer"]["count"] and b["compute_infer"]["ns"] > 0 for b in after["batch_stats"] for k in ("compute_input", "compute_output")),
    after["batch_stats"])

code, _, body = repository("/v2/repository/index", {})
index = json.loads(body)
check("the repository index is 200", code == 200, (code, body))
validate(index, "repository_index_response")
check("the repository index lists the models", {"name": "add.add_common", "version": "2", "state": "READY", "reason": ""} in index
      and any(e["name"] == "echo" for e in index), index)
code, _, body = repository("/v2/repository/models/nothing/load")
check("loading an unknown model is 404", code == 404, (code, body))
validate(json.loads(body), "error_response")

# The MindSpore Serving protocol still answers on the same port.
code, _, body = curl("POST", "/model/add:add_common", {"instances": [{"x1": [[1.0, 2.0], [3.0, 4.0]], "x2": [[1.0, 1.0], [1.0, 1.0]]}]})
check("MindSpore Serving's REST API answers beside V2", code == 200 and json.loads(body)["instances"][0]["y"] == [[2.0, 3.0], [4.0, 5.0]], body)

# The repository extension's load and unload (the server runs with watching off).
code, _, body = repository("/v2/repository/models/echo/unload")
check("unloading echo is 200", code == 200 and json.loads(body) == {}, (code, body))
get_json("/v2/models/echo/ready", 404, "error_response")
code, _, body = repository("/v2/repository/index", {"ready": True})
check("the ready index leaves echo out", not any(e["name"].startswith("echo") for e in json.loads(body)), body)
code, _, body = repository("/v2/repository/models/echo/load")
check("loading echo is 200", code == 200 and json.loads(body) == {}, (code, body))
ready = get_json("/v2/models/echo/ready", 200, "model_ready_response")
check("echo serves again", ready["ready"], ready)
# The control API's access rules cover the repository extension.
code, head, body = curl("POST", "/v2/repository/models/echo/unload", None, {"Content-Type": "application/json"})
check("unloading without the token is 401", code == 401 and head.get("www-authenticate") == "Bearer", (code, body))
code, _, body = curl("POST", "/v2/repository/models/echo/unload", None, {"Authorization": "Bearer not-" + TOKEN, "Content-Type": "application/json"})
check("unloading with a wrong token is 401", code == 401, (code, body))
code, _, body = curl("POST", "/v2/repository/models/echo/unload", None,
                     {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json", "Origin": "http://elsewhere.example"})
check("a cross-origin repository call is 403", code == 403, (code, body))
code, _, body = curl("POST", "/v2/repository/index", {}, {"Authorization": "Bearer " + TOKEN, "Content-Type": "text/plain"})
check("a text/plain repository call is 415", code == 415, (code, body))
check("echo still serves after the refused calls", get_json("/v2/models/echo/ready", 200, "model_ready_response")["ready"])
code, head, _ = curl("GET", "/v2/repository/index", None, {"Authorization": "Bearer " + TOKEN})
check("GET on the repository index is 405", code == 405 and head.get("allow") == "POST", (code, head))
print(f"{CHECKS} checks passed")
