using System.Buffers;
using System.Text.Json;
using Proto = SharpServing.Protocol;

namespace SharpServing.Internal;

/// <summary>
/// The RESTful JSON forms (spec 6.4 to 6.6): requests with every value as a <c>{"b64","type","shape"}</c> object, and
/// replies back to <see cref="InferResult"/>.
/// </summary>
internal static class RestClientJson
{
    public static byte[] WriteRequest(object instances)
    {
        var request = RequestBuilder.Build(new Proto.ServableSpec(), instances);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("instances");
            foreach (var instance in request.Instances)
            {
                json.WriteStartObject();
                foreach (var (name, tensor) in instance.Items)
                {
                    json.WritePropertyName(name);
                    WriteTensor(json, tensor);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteTensor(Utf8JsonWriter json, Proto.Tensor tensor)
    {
        json.WriteStartObject();
        var items = tensor.Dtype is Proto.DataType.MsString or Proto.DataType.MsBytes;
        // A string or bytes tensor goes as its single item (the server accepts no other), several items as the first:
        // the server then reports the item count through the shape.
        json.WriteBase64String("b64", items ? (tensor.BytesVal.Count > 0 ? tensor.BytesVal[0].Span : default) : tensor.Data.Span);
        json.WriteString("type", TypeName(tensor.Dtype));
        json.WriteStartArray("shape");
        foreach (var dim in tensor.Shape.Dims)
        {
            json.WriteNumberValue(dim);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string TypeName(Proto.DataType dataType) => dataType switch
    {
        Proto.DataType.MsBool => "bool",
        Proto.DataType.MsInt8 => "int8",
        Proto.DataType.MsUint8 => "uint8",
        Proto.DataType.MsInt16 => "int16",
        Proto.DataType.MsUint16 => "uint16",
        Proto.DataType.MsInt32 => "int32",
        Proto.DataType.MsUint32 => "uint32",
        Proto.DataType.MsInt64 => "int64",
        Proto.DataType.MsUint64 => "uint64",
        Proto.DataType.MsFloat16 => "float16",
        Proto.DataType.MsFloat32 => "float32",
        Proto.DataType.MsFloat64 => "float64",
        Proto.DataType.MsString => "str",
        _ => "bytes",
    };

    public static InferResult ReadReply(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"The RESTful reply is not JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error_msg", out var error))
            {
                return InferResult.RequestError(error.ToString(), 0);
            }
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("instances", out var instances)
                || instances.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidOperationException("The RESTful reply has neither 'error_msg' nor an 'instances' array.");
            }
            var outcomes = new List<InstanceOutcome>(instances.GetArrayLength());
            foreach (var instance in instances.EnumerateArray())
            {
                outcomes.Add(ReadInstance(instance));
            }
            return InferResult.PerInstance(outcomes);
        }
    }

    private static InstanceOutcome ReadInstance(JsonElement instance)
    {
        if (instance.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"A RESTful reply instance is {instance.ValueKind}, not an object.");
        }
        if (instance.TryGetProperty("error_msg", out var error) && instance.EnumerateObject().Count() == 1)
        {
            return InstanceOutcome.Failure(error.ToString(), 0);
        }
        var outputs = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var property in instance.EnumerateObject())
        {
            outputs[property.Name] = ReadValue(property.Name, property.Value);
        }
        return InstanceOutcome.Success(outputs);
    }

    private static object ReadValue(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }
        if (IsB64(value))
        {
            return value.GetProperty("b64").GetBytesFromBase64();
        }
        var dims = new List<long>();
        var leaves = new List<JsonElement>();
        CollectShape(value, dims);
        CollectLeaves(name, value, dims, 0, leaves);
        if (dims.Count > 0 && leaves.Count > 0 && leaves[0].ValueKind == JsonValueKind.String)
        {
            return leaves.Select(l => l.ValueKind == JsonValueKind.String ? l.GetString()! : throw Mixed(name)).ToArray();
        }
        if (dims.Count > 0 && leaves.Count > 0 && IsB64(leaves[0]))
        {
            return leaves.Select(l => IsB64(l) ? l.GetProperty("b64").GetBytesFromBase64() : throw Mixed(name)).ToArray();
        }
        return NumericTensor(name, dims.ToArray(), leaves);
    }

    private static Tensor NumericTensor(string name, long[] dims, List<JsonElement> leaves)
    {
        if (leaves.Count > 0 && leaves.All(l => l.ValueKind is JsonValueKind.True or JsonValueKind.False))
        {
            return Tensor.FromMemory(DataType.Bool, dims, leaves.Select(l => l.GetBoolean() ? (byte)1 : (byte)0).ToArray());
        }
        if (leaves.Any(l => l.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null)))
        {
            throw Mixed(name);
        }
        var isFloat = leaves.Any(l => l.ValueKind == JsonValueKind.Null || l.GetRawText().AsSpan().IndexOfAny(".eE") >= 0);
        if (!isFloat && leaves.All(l => l.TryGetInt64(out _)))
        {
            return Create(leaves.Select(l => l.GetInt64()).ToArray(), dims);
        }
        if (!isFloat && leaves.All(l => l.TryGetUInt64(out _)))
        {
            return Create(leaves.Select(l => l.GetUInt64()).ToArray(), dims);
        }
        return Create(leaves.Select(l => l.ValueKind == JsonValueKind.Null ? double.NaN : l.GetDouble()).ToArray(), dims);
    }

    private static Tensor Create<T>(T[] values, long[] dims) where T : unmanaged
        => Tensor.FromMemory(DataTypes.Of<T>(), dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>The shape, by following first elements.</summary>
    private static void CollectShape(JsonElement value, List<long> dims)
    {
        while (value.ValueKind == JsonValueKind.Array)
        {
            dims.Add(value.GetArrayLength());
            if (value.GetArrayLength() == 0)
            {
                return;
            }
            value = value[0];
        }
    }

    private static void CollectLeaves(string name, JsonElement value, List<long> dims, int depth, List<JsonElement> leaves)
    {
        if (depth == dims.Count)
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                throw new InvalidOperationException($"Output {name} of the RESTful reply is not a rectangular array.");
            }
            leaves.Add(value);
            return;
        }
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != dims[depth])
        {
            throw new InvalidOperationException($"Output {name} of the RESTful reply is not a rectangular array.");
        }
        foreach (var item in value.EnumerateArray())
        {
            CollectLeaves(name, item, dims, depth + 1, leaves);
        }
    }

    private static bool IsB64(JsonElement value) => value.ValueKind == JsonValueKind.Object && value.TryGetProperty("b64", out _);

    private static InvalidOperationException Mixed(string name) => new($"Output {name} of the RESTful reply mixes value kinds.");
}
