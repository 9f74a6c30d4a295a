using System.Globalization;
using System.Text;
using Google.Protobuf;
using Wire = SharpServing.Protocol;

namespace SharpServing.Benchmark;

/// <summary>
/// One request, built once in both wire forms: the framed gRPC PredictRequest and the RESTful JSON body with its URL
/// path. Every instance of a request is the same.
/// </summary>
internal sealed class Payload
{
    private Payload(string servable, string method, int instances, Wire.PredictRequest request, string json)
    {
        Servable = servable;
        Method = method;
        Instances = instances;
        Request = request;
        GrpcFrame = GrpcWire.Frame(request);
        RestBody = Encoding.UTF8.GetBytes(json);
    }

    public string Servable { get; }

    public string Method { get; }

    public int Instances { get; }

    public Wire.PredictRequest Request { get; }

    public byte[] GrpcFrame { get; }

    public byte[] RestBody { get; }

    /// <summary>The RESTful path: <c>/model/&lt;servable&gt;:&lt;method&gt;</c>.</summary>
    public string RestPath => $"/model/{Servable}:{Method}";

    /// <summary>add.add_common: x1 = x2 = float32 [[1, 2], [3, 4]] per instance.</summary>
    public static Payload Add(int instances) =>
        FloatInputs("add", "add_common", instances, [2, 2], [1f, 2f, 3f, 4f], "x1", "x2");

    /// <summary>A method taking one float32 input <paramref name="input"/> of shape <paramref name="shape"/> filled with a ramp.</summary>
    public static Payload Floats(string servable, string method, int instances, string input, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var values = Enumerable.Range(0, count).Select(i => (i % 17) / 16f).ToArray();
        return FloatInputs(servable, method, instances, shape, values, input);
    }

    /// <summary>A method taking one bytes input (an encoded image): MS_BYTES in gRPC, <c>{"b64": ...}</c> in JSON.</summary>
    public static Payload Bytes(string servable, string method, int instances, string input, byte[] value)
    {
        var tensor = new Wire.Tensor { Dtype = Wire.DataType.MsBytes, Shape = new Wire.TensorShape() };
        tensor.BytesVal.Add(ByteString.CopyFrom(value));
        var request = NewRequest(servable, method);
        for (var i = 0; i < instances; i++)
        {
            var instance = new Wire.Instance();
            instance.Items.Add(input, tensor);
            request.Instances.Add(instance);
        }
        var item = $"{{\"{input}\":{{\"b64\":\"{Convert.ToBase64String(value)}\"}}}}";
        return new Payload(servable, method, instances, request, Json(item, instances));
    }

    private static Payload FloatInputs(string servable, string method, int instances, long[] shape, float[] values, params string[] inputs)
    {
        var tensor = new Wire.Tensor { Dtype = Wire.DataType.MsFloat32, Shape = new Wire.TensorShape(), Data = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Shape.Dims.Add(shape);
        var request = NewRequest(servable, method);
        for (var i = 0; i < instances; i++)
        {
            var instance = new Wire.Instance();
            foreach (var input in inputs)
            {
                instance.Items.Add(input, tensor);
            }
            request.Instances.Add(instance);
        }
        var array = JsonArray(values, shape, 0, 0, out _);
        var item = "{" + string.Join(",", inputs.Select(i => $"\"{i}\":{array}")) + "}";
        return new Payload(servable, method, instances, request, Json(item, instances));
    }

    private static Wire.PredictRequest NewRequest(string servable, string method) =>
        new() { ServableSpec = new Wire.ServableSpec { Name = servable, MethodName = method } };

    private static string Json(string instance, int count) =>
        "{\"instances\":[" + string.Join(",", Enumerable.Repeat(instance, count)) + "]}";

    // Nested JSON arrays; every number has a '.', so the RESTful parser types them float32.
    private static string JsonArray(float[] values, long[] shape, int dim, int offset, out int next)
    {
        if (dim == shape.Length)
        {
            next = offset + 1;
            return values[offset].ToString("0.0###", CultureInfo.InvariantCulture);
        }
        var parts = new List<string>();
        for (var i = 0; i < shape[dim]; i++)
        {
            parts.Add(JsonArray(values, shape, dim + 1, offset, out offset));
        }
        next = offset;
        return "[" + string.Join(",", parts) + "]";
    }
}
