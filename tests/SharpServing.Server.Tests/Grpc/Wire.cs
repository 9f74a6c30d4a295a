using System.Text.Json.Nodes;
using Google.Protobuf;
using SharpServing.Protocol;
using WireTensor = SharpServing.Protocol.Tensor;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>Builds wire messages for tests and moves them through JSON to and from the python client.</summary>
internal static class Wire
{
    public static WireTensor Numeric(Protocol.DataType dtype, byte[] data, params long[] dims)
        => new() { Dtype = dtype, Data = ByteString.CopyFrom(data), Shape = Shape(dims) };

    public static WireTensor Float32(float[] values, params long[] dims)
        => Numeric(Protocol.DataType.MsFloat32, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    public static WireTensor Filled(float value, params long[] dims)
        => Float32(Enumerable.Repeat(value, (int)dims.Aggregate(1L, (a, b) => a * b)).ToArray(), dims);

    public static WireTensor Items(Protocol.DataType dtype, long[] dims, params byte[][] items)
    {
        var tensor = new WireTensor { Dtype = dtype, Shape = Shape(dims) };
        tensor.BytesVal.AddRange(items.Select(ByteString.CopyFrom));
        return tensor;
    }

    /// <summary>One input of each kind a request can hold: strings, bytes and tensors the wire check refuses.</summary>
    public static (string Name, WireTensor Tensor)[] InputsOfEveryKind() =>
    [
        ("s", Items(Protocol.DataType.MsString, [1], "héllo"u8.ToArray())),
        ("b", Items(Protocol.DataType.MsBytes, [], [0, 255])),
        ("two", Items(Protocol.DataType.MsString, [1], "a"u8.ToArray(), "b"u8.ToArray())),
        ("short", Numeric(Protocol.DataType.MsFloat32, new byte[15], 2, 2)),
        ("unknown", Numeric(Protocol.DataType.MsUnknown, [])),
        ("undefined", Numeric((Protocol.DataType)99, [])),
        ("negative", Numeric(Protocol.DataType.MsFloat32, new byte[4], -1)),
        ("zero first", Numeric(Protocol.DataType.MsFloat32, [], 0, 2)),
        ("overflow", Numeric(Protocol.DataType.MsFloat32, new byte[4], long.MaxValue, long.MaxValue)),
        ("shm", new WireTensor { Dtype = Protocol.DataType.MsFloat32, ShmData = new ShmTensorData { MemoryKey = "k" } }),
    ];

    public static TensorShape Shape(long[] dims)
    {
        var shape = new TensorShape();
        shape.Dims.AddRange(dims);
        return shape;
    }

    public static Instance Instance(params (string Name, WireTensor Tensor)[] items)
    {
        var instance = new Instance();
        foreach (var (name, tensor) in items)
        {
            instance.Items[name] = tensor;
        }
        return instance;
    }

    public static PredictRequest Request(string servable, string method, ulong version, params Instance[] instances)
    {
        var request = new PredictRequest { ServableSpec = new ServableSpec { Name = servable, MethodName = method, VersionNumber = version } };
        request.Instances.AddRange(instances);
        return request;
    }

    public static PredictRequest AddRequest(params Instance[] instances) => Request("add", "add_common", 0, instances);

    public static Instance AddInstance(float value) => Instance(("x1", Filled(value, 2, 2)), ("x2", Filled(value, 2, 2)));

    public static JsonObject Scenario(string target, IEnumerable<PredictRequest> requests, JsonObject? tls = null, int channels = 1, int repeat = 1)
    {
        var list = new JsonArray();
        foreach (var request in requests)
        {
            list.Add(JsonNode.Parse(JsonFormatter.Default.Format(request)));
        }
        return new JsonObject
        {
            ["target"] = target,
            ["tls"] = tls,
            ["requests"] = list,
            ["channels"] = channels,
            ["repeat"] = repeat,
        };
    }

    public static IReadOnlyList<JsonNode> Results(JsonNode output) => output["results"]!.AsArray().Select(r => r!).ToList();

    /// <summary>The reply of a successful call (gRPC OK); fails the test otherwise.</summary>
    public static PredictReply Reply(JsonNode result)
    {
        Assert.True(result["ok"]!.GetValue<bool>(), $"gRPC call failed: {result.ToJsonString()}");
        return JsonParser.Default.Parse<PredictReply>(result["reply"]!.ToJsonString());
    }

    /// <summary>(code, details) of a failed call; fails the test if the call succeeded.</summary>
    public static (int Code, string Details) Failure(JsonNode result)
    {
        Assert.False(result["ok"]!.GetValue<bool>(), $"gRPC call succeeded: {result.ToJsonString()}");
        return (result["code"]!.GetValue<int>(), result["details"]?.GetValue<string>() ?? string.Empty);
    }

    /// <summary>Asserts a request-wide error reply with <paramref name="code"/> and <paramref name="text"/>.</summary>
    public static void AssertRequestError(PredictReply reply, long code, string text)
    {
        Assert.Empty(reply.Instances);
        var error = Assert.Single(reply.ErrorMsg);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(text, error.ErrorMsg_.ToStringUtf8());
    }

    public static float[] Floats(WireTensor tensor)
        => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray();
}
