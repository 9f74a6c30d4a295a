using System.Text.Json;
using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>A parsed <c>$inference_request</c>: its inputs decoded, requested outputs and the binary output choices.</summary>
internal sealed class V2JsonRequest
{
    public string? Id { get; set; }

    public List<V2InferInput> Inputs { get; } = [];

    /// <summary>Requested output names, or null for all.</summary>
    public List<string>? Outputs { get; set; }

    /// <summary>Outputs asked as binary data (by name), or every output when <see cref="AllBinary"/>.</summary>
    public HashSet<string> BinaryOutputs { get; } = new(StringComparer.Ordinal);

    public bool AllBinary { get; set; }

    /// <summary>
    /// Parses the JSON part of a request; inputs with <c>binary_data_size</c> take their bytes, in order, from
    /// <paramref name="binary"/>, which they must use up exactly. Throws <see cref="V2Exception"/> (400) on bad JSON.
    /// </summary>
    public static V2JsonRequest Parse(ReadOnlyMemory<byte> json, ReadOnlyMemory<byte> binary)
    {
        var request = new V2JsonRequest();
        var reader = new Utf8JsonReader(json.Span, new JsonReaderOptions { MaxDepth = V2JsonData.MaxDepth });
        try
        {
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "the request body must be a JSON object");
            var offset = 0;
            var sawInputs = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "id":
                        Expect(reader.TokenType == JsonTokenType.String, "'id' must be a string");
                        request.Id = reader.GetString();
                        break;
                    case "parameters":
                        ReadParameters(ref reader, out var binaryOutput, out _);
                        request.AllBinary = binaryOutput;
                        break;
                    case "inputs":
                        Expect(reader.TokenType == JsonTokenType.StartArray, "'inputs' must be an array");
                        sawInputs = true;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            request.Inputs.Add(ReadInput(ref reader, binary, ref offset));
                        }
                        break;
                    case "outputs":
                        Expect(reader.TokenType == JsonTokenType.StartArray, "'outputs' must be an array");
                        request.Outputs = [];
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            request.ReadOutput(ref reader);
                        }
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            Expect(reader.TokenType == JsonTokenType.EndObject, "the request body must be a JSON object");
            Expect(!reader.Read(), "the request body has text after its JSON object");
            Expect(sawInputs, "the request has no 'inputs'");
            if (offset != binary.Length)
            {
                throw new V2Exception(V2Status.BadRequest,
                    $"the binary data after the JSON header has {binary.Length} bytes, the inputs' binary_data_size add up to {offset}");
            }
        }
        catch (JsonException e)
        {
            throw new V2Exception(V2Status.BadRequest, $"invalid JSON: {ErrorQuote.JsonReaderMessage(e.Message)}");
        }
        catch (InvalidOperationException e)
        {
            // The reader's GetString and the like throw this for a string that is not valid UTF-8 or holds a lone
            // surrogate escape: the client's text, not the server's state.
            throw new V2Exception(V2Status.BadRequest, $"invalid JSON: {ErrorQuote.JsonReaderMessage(e.Message)}");
        }
        return request;
    }

    private static V2InferInput ReadInput(ref Utf8JsonReader reader, ReadOnlyMemory<byte> binary, ref int offset)
    {
        Expect(reader.TokenType == JsonTokenType.StartObject, "each input must be a JSON object");
        string? name = null, datatype = null;
        List<long>? shape = null;
        long? binarySize = null;
        var data = default(Utf8JsonReader);
        var hasData = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "name":
                    Expect(reader.TokenType == JsonTokenType.String, "an input's 'name' must be a string");
                    name = reader.GetString();
                    break;
                case "datatype":
                    Expect(reader.TokenType == JsonTokenType.String, "an input's 'datatype' must be a string");
                    datatype = reader.GetString();
                    break;
                case "shape":
                    shape = ReadShape(ref reader);
                    break;
                case "parameters":
                    ReadParameters(ref reader, out _, out binarySize);
                    break;
                case "data":
                    // The datatype may come later in the object: read the data once the object is complete.
                    data = reader;
                    hasData = true;
                    reader.Skip();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        Expect(name is not null && datatype is not null && shape is not null, "an input needs 'name', 'shape' and 'datatype'");
        var type = V2DataTypes.Parse(datatype);
        if (binarySize is { } size)
        {
            Expect(!hasData, $"input '{name}' has both 'data' and binary_data_size");
            if (size < 0 || size > binary.Length - offset)
            {
                throw new V2Exception(V2Status.BadRequest,
                    $"input '{name}': binary_data_size {size} does not fit the {binary.Length - offset} bytes of binary data left");
            }
            // One copy, out of the pooled request buffer: the tensor may outlive this request's buffer in a batch.
            var bytes = binary.Slice(offset, (int)size).ToArray();
            offset += (int)size;
            return new V2InferInput(name!, type switch
            {
                DataType.Unknown => RequestInput.Invalid(V2Errors.UnsupportedDataType(datatype)),
                DataType.Bytes => V2Tensors.RawItems([.. shape!], bytes),
                _ => V2Tensors.Numeric(type, [.. shape!], bytes),
            });
        }
        Expect(hasData, $"input '{name}' has neither 'data' nor binary_data_size");
        if (type == DataType.Unknown)
        {
            return new V2InferInput(name!, RequestInput.Invalid(V2Errors.UnsupportedDataType(datatype)));
        }
        return new V2InferInput(name!, V2JsonData.Read(ref data, name!, type, [.. shape!]));
    }

    private void ReadOutput(ref Utf8JsonReader reader)
    {
        Expect(reader.TokenType == JsonTokenType.StartObject, "each requested output must be a JSON object");
        string? name = null;
        var binaryData = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "name":
                    Expect(reader.TokenType == JsonTokenType.String, "an output's 'name' must be a string");
                    name = reader.GetString();
                    break;
                case "parameters":
                    ReadParameters(ref reader, out binaryData, out _);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        Expect(name is not null, "a requested output needs a 'name'");
        Outputs!.Add(name!);
        if (binaryData)
        {
            BinaryOutputs.Add(name!);
        }
    }

    private static List<long> ReadShape(ref Utf8JsonReader reader)
    {
        Expect(reader.TokenType == JsonTokenType.StartArray, "'shape' must be an array of integers");
        var shape = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var d), "'shape' must be an array of integers");
            Expect(shape.Count < V2Tensors.MaxRank, $"'shape' has more than {V2Tensors.MaxRank} dimensions");
            reader.TryGetInt64(out var dim);
            shape.Add(dim);
        }
        return shape;
    }

    // binary_data_output (request), binary_data (output) and binary_data_size (input); other parameters are ignored.
    private static void ReadParameters(ref Utf8JsonReader reader, out bool binary, out long? binarySize)
    {
        Expect(reader.TokenType == JsonTokenType.StartObject, "'parameters' must be a JSON object");
        binary = false;
        binarySize = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "binary_data_output" or "binary_data":
                    Expect(reader.TokenType is JsonTokenType.True or JsonTokenType.False, $"'{property}' must be true or false");
                    binary = reader.TokenType == JsonTokenType.True;
                    break;
                case "binary_data_size":
                    Expect(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out _), "'binary_data_size' must be an integer");
                    binarySize = reader.GetInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new V2Exception(V2Status.BadRequest, message);
        }
    }
}
