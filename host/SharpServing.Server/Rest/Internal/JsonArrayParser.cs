using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using SharpServing.Engine;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Nested JSON arrays as tensors (specification 6.4): the shape follows the first elements, the data type is the first
/// leaf's kind, the array must be rectangular and all leaves of that kind; a string or object leaf allows one item.
/// </summary>
/// <remarks>
/// Numeric arrays take a single pass that writes each number straight into a pooled buffer (no per-element
/// allocation). Any irregularity sends the array to <see cref="ParseChecked"/>, which follows the specified check
/// order on a parsed copy to find the exact error; string and object arrays (one item at most) always go there.
/// </remarks>
internal static class JsonArrayParser
{
    private enum Kind
    {
        None,
        Int,
        Float,
        Bool,
        String,
        Object,
    }

    /// <summary>Parses the array at the reader (on <c>StartArray</c>); leaves the reader on its <c>EndArray</c>.</summary>
    public static RequestInput Parse(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body)
    {
        var start = reader;
        if (TryParseNumeric(ref reader, out var tensor))
        {
            return tensor;
        }
        reader = start;
        var begin = (int)reader.TokenStartIndex;
        reader.Skip();
        var end = (int)reader.BytesConsumed;
        using var document = JsonDocument.Parse(body[begin..end], new JsonDocumentOptions { MaxDepth = RestRequestParser.MaxDepth });
        return ParseChecked(document.RootElement);
    }

    /// <summary>The fast path: true with the tensor for a regular int, float or bool array; false for anything else.</summary>
    internal static bool TryParseNumeric(ref Utf8JsonReader reader, out Tensor tensor)
    {
        tensor = null!;
        Span<long> dims = stackalloc long[RestRequestParser.MaxDepth + 1];
        Span<long> counts = stackalloc long[RestRequestParser.MaxDepth + 1];
        dims.Fill(-1);
        counts[0] = 0;
        var depth = 1;
        var rank = -1;
        var kind = Kind.None;
        using var buffer = new PooledByteBuffer(4096);
        while (true)
        {
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    if (rank >= 0 && depth >= rank)
                    {
                        return false;
                    }
                    counts[depth - 1]++;
                    counts[depth] = 0;
                    depth++;
                    break;
                case JsonTokenType.EndArray:
                    depth--;
                    var count = counts[depth];
                    if (count == 0)
                    {
                        return false;
                    }
                    if (dims[depth] < 0)
                    {
                        dims[depth] = count; // the first array to close at a depth is the one on the first-element path
                    }
                    else if (dims[depth] != count)
                    {
                        return false;
                    }
                    if (depth == 0)
                    {
                        var type = kind switch { Kind.Int => DataType.Int32, Kind.Float => DataType.Float32, _ => DataType.Bool };
                        tensor = Tensor.FromMemory(type, dims[..rank], buffer.ToArray(), isReadOnly: false);
                        return true;
                    }
                    break;
                case JsonTokenType.Number:
                    var number = reader.ValueSpan;
                    var isFloat = JsonText.IsFloat(number);
                    if (!IsLeaf(isFloat ? Kind.Float : Kind.Int, depth, ref rank, ref kind, counts))
                    {
                        return false;
                    }
                    // A number the tensor's type cannot hold goes to the checked path, which reports it in walk order.
                    if (isFloat)
                    {
                        if (!JsonText.TryParseFloat32(number, out var single))
                        {
                            return false;
                        }
                        BinaryPrimitives.WriteSingleLittleEndian(buffer.GetSpan(4), single);
                    }
                    else
                    {
                        if (!JsonText.TryWrapToInt32(number, out var integer))
                        {
                            return false;
                        }
                        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), integer);
                    }
                    buffer.Advance(4);
                    break;
                case JsonTokenType.True:
                case JsonTokenType.False:
                    if (!IsLeaf(Kind.Bool, depth, ref rank, ref kind, counts))
                    {
                        return false;
                    }
                    buffer.GetSpan(1)[0] = reader.TokenType == JsonTokenType.True ? (byte)1 : (byte)0;
                    buffer.Advance(1);
                    break;
                default:
                    return false;
            }
        }
    }

    private static bool IsLeaf(Kind leaf, int depth, ref int rank, ref Kind kind, Span<long> counts)
    {
        if (rank < 0)
        {
            rank = depth;
            kind = leaf;
        }
        else if (depth != rank || leaf != kind)
        {
            return false;
        }
        counts[depth - 1]++;
        return true;
    }

    /// <summary>
    /// The reference path, in the specified check order: shape from the first elements, data type from the first leaf,
    /// the one-item rule for strings and objects, then a walk checking every array and leaf.
    /// </summary>
    internal static RequestInput ParseChecked(JsonElement array)
    {
        var dims = new List<long>();
        var leaf = array;
        while (leaf.ValueKind == JsonValueKind.Array && leaf.GetArrayLength() > 0)
        {
            dims.Add(leaf.GetArrayLength());
            leaf = leaf[0];
        }
        if (dims.Count == 0)
        {
            throw new RestParseException("json array, shape is empty");
        }
        var kind = KindOf(leaf);
        var dataType = kind switch
        {
            Kind.Int => DataType.Int32,
            Kind.Float => DataType.Float32,
            Kind.Bool => DataType.Bool,
            Kind.String => DataType.String,
            Kind.Object => ObjectType(leaf),
            _ => DataType.Unknown,
        };
        if (dataType == DataType.Unknown)
        {
            throw new RestParseException("json array, data type is unknown");
        }
        if (dataType.IsItems() && dims.Any(d => d != 1))
        {
            throw new RestParseException("json array, string or bytes type only support one item");
        }
        if (kind == Kind.Object && !dataType.IsItems())
        {
            throw new RestParseException("json array, object type only support string or bytes type");
        }

        using var buffer = new PooledByteBuffer(256);
        var items = new List<byte[]>();
        Walk(array, 0, dims, kind, buffer, items);
        var shape = dims.ToArray();
        if (kind == Kind.Object)
        {
            var value = B64Value(items[0]);
            return RestRequestParser.ToInput(new B64Value(value.Type, shape, value.Payload));
        }
        if (kind == Kind.String)
        {
            var detail = WireTensorCheck.Check((int)DataType.String, shape, 0, items.Count);
            return detail is null ? Tensor.FromItems(DataType.String, shape, [items[0]]) : RequestInput.Invalid(detail);
        }
        return Tensor.FromMemory(dataType, shape, buffer.ToArray(), isReadOnly: false);
    }

    private static void Walk(JsonElement element, int depth, List<long> dims, Kind kind, PooledByteBuffer buffer, List<byte[]> items)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new RestParseException("invalid json array: json type is not array");
        }
        var length = element.GetArrayLength();
        if (length != dims[depth])
        {
            throw new RestParseException($"invalid json array: json size is {length}, the dim {depth} expected to be {dims[depth]}");
        }
        foreach (var child in element.EnumerateArray())
        {
            if (depth + 1 < dims.Count)
            {
                Walk(child, depth + 1, dims, kind, buffer, items);
                continue;
            }
            if (kind == Kind.Object)
            {
                items.Add(JsonMarshal.GetRawUtf8Value(child).ToArray());
                continue;
            }
            var leaf = KindOf(child);
            if (leaf is Kind.None or Kind.Object)
            {
                throw new RestParseException("json array, data should be number, bool, string or bytes");
            }
            if (leaf != kind)
            {
                throw new RestParseException("json array, elements type is not equal");
            }
            Append(child, kind, buffer, items);
        }
    }

    private static void Append(JsonElement leaf, Kind kind, PooledByteBuffer buffer, List<byte[]> items)
    {
        var raw = JsonMarshal.GetRawUtf8Value(leaf);
        switch (kind)
        {
            case Kind.Int:
                BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4),
                    JsonText.TryWrapToInt32(raw, out var integer) ? integer : throw new RestParseException(JsonText.IntegerOutOfRange(raw)));
                buffer.Advance(4);
                break;
            case Kind.Float:
                BinaryPrimitives.WriteSingleLittleEndian(buffer.GetSpan(4),
                    JsonText.TryParseFloat32(raw, out var single) ? single : throw new RestParseException(JsonText.FloatOutOfRange(raw)));
                buffer.Advance(4);
                break;
            case Kind.Bool:
                buffer.GetSpan(1)[0] = leaf.ValueKind == JsonValueKind.True ? (byte)1 : (byte)0;
                buffer.Advance(1);
                break;
            default:
                items.Add(StringBytes(leaf));
                break;
        }
    }

    private static byte[] StringBytes(JsonElement leaf)
    {
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(leaf));
        reader.Read();
        return JsonText.GetUtf8(ref reader);
    }

    private static Kind KindOf(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => JsonText.IsFloat(JsonMarshal.GetRawUtf8Value(element)) ? Kind.Float : Kind.Int,
        JsonValueKind.True or JsonValueKind.False => Kind.Bool,
        JsonValueKind.String => Kind.String,
        JsonValueKind.Object => Kind.Object,
        _ => Kind.None,
    };

    private static DataType ObjectType(JsonElement leaf)
    {
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(leaf));
        reader.Read();
        return B64ObjectParser.PeekType(ref reader);
    }

    private static B64Value B64Value(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        return B64ObjectParser.Parse(ref reader);
    }
}
