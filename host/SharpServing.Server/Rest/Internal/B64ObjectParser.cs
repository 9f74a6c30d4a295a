using System.Runtime.InteropServices;
using System.Text.Json;
using SharpServing.Engine;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// <c>{"b64": "&lt;base64&gt;", "type": "&lt;t&gt;", "shape": [d, …]}</c> objects (specification 6.5), with their checks in the
/// specified order: key count, unknown key, <c>b64</c> count and kind, <c>type</c>, <c>shape</c>, string/bytes scalar,
/// base64 length, base64 characters, numeric size.
/// </summary>
internal static class B64ObjectParser
{
    private enum Key
    {
        Other,
        B64,
        Type,
        Shape,
    }

    /// <summary>Parses the object at the reader (on <c>StartObject</c>); leaves the reader on its <c>EndObject</c>.</summary>
    public static B64Value Parse(ref Utf8JsonReader reader)
    {
        var scan = reader;
        var members = 0;
        var b64Count = 0;
        string? unknownKey = null;
        Utf8JsonReader b64 = default, type = default, shape = default;
        bool hasType = false, hasShape = false;
        while (scan.Read() && scan.TokenType == JsonTokenType.PropertyName)
        {
            members++;
            var key = JsonText.NameEquals(ref scan, "b64"u8) ? Key.B64
                : JsonText.NameEquals(ref scan, "type"u8) ? Key.Type
                : JsonText.NameEquals(ref scan, "shape"u8) ? Key.Shape
                : Key.Other;
            if (key == Key.Other && unknownKey is null)
            {
                unknownKey = ErrorQuote.Text(JsonText.GetString(ref scan));
            }
            scan.Read();
            switch (key)
            {
                case Key.B64:
                    b64Count++;
                    b64 = scan;
                    break;
                case Key.Type:
                    type = scan;
                    hasType = true;
                    break;
                case Key.Shape:
                    shape = scan;
                    hasShape = true;
                    break;
            }
            scan.Skip();
        }

        if (members > 3)
        {
            throw new RestParseException("json object, items size is more than 3, only support specified ['b64', 'type', 'shape']");
        }
        if (unknownKey is not null)
        {
            throw new RestParseException($"json object, key is not ['b64', 'type', 'shape'], fail key:{unknownKey}");
        }
        if (b64Count != 1)
        {
            throw new RestParseException("json object, 'b64' should be specified only one time");
        }
        if (b64.TokenType != JsonTokenType.String)
        {
            throw new RestParseException("get scalar data failed, type is string, but json is not string type");
        }
        var dataType = hasType ? ReadType(ref type) : DataType.Bytes;
        var dims = hasShape ? ReadShape(ref shape) : [];
        if (dataType.IsItems() && !IsSingleElement(dims))
        {
            throw new RestParseException("json object, only support scalar when data type is string or bytes, please check 'type' or 'shape'");
        }

        var text = JsonText.GetUtf8(ref b64);
        if (text.Length % 4 != 0)
        {
            throw new RestParseException($"'{ErrorQuote.Utf8(text)}' is illegal b64 encode string");
        }
        if (!StrictBase64.TryDecode(text, out var payload))
        {
            throw new RestParseException("decode base64 failed, size is not matched.");
        }
        if (dataType.IsNumeric()
            && (!WireTensorCheck.TryByteSize(dataType, dims, out var expected) || expected != payload.Length))
        {
            throw new RestParseException(
                $"size is not matched, decode base64 size:{payload.Length}; Given info: type:{RestTypeNames.CanonicalName(dataType)}; " +
                $"type size:{dataType.ItemSize()}; element nums:{ElementCount(dims)}");
        }
        reader = scan;
        return new B64Value(dataType, dims, payload);
    }

    /// <summary>The data type an array-leaf object names (absent <c>type</c>: bytes), without validating the object.</summary>
    public static DataType PeekType(ref Utf8JsonReader reader)
    {
        var scan = reader;
        var result = DataType.Bytes;
        while (scan.Read() && scan.TokenType == JsonTokenType.PropertyName)
        {
            var isType = JsonText.NameEquals(ref scan, "type"u8);
            scan.Read();
            if (isType)
            {
                result = scan.TokenType == JsonTokenType.String ? RestTypeNames.Parse(JsonText.GetUtf8(ref scan)) : DataType.Unknown;
            }
            scan.Skip();
        }
        return result;
    }

    private static DataType ReadType(ref Utf8JsonReader type)
    {
        if (type.TokenType != JsonTokenType.String)
        {
            throw new RestParseException("json object, key is 'type', value should be string type");
        }
        var name = JsonText.GetUtf8(ref type);
        var dataType = RestTypeNames.Parse(name);
        if (dataType == DataType.Unknown)
        {
            throw new RestParseException($"json object, specified type:'{ErrorQuote.Utf8(name)}' is illegal");
        }
        return dataType;
    }

    private static long[] ReadShape(ref Utf8JsonReader shape)
    {
        if (shape.TokenType != JsonTokenType.StartArray)
        {
            throw new RestParseException("json object, key is 'shape', value should be array type");
        }
        var dims = new List<long>();
        while (shape.Read() && shape.TokenType != JsonTokenType.EndArray)
        {
            if (shape.TokenType != JsonTokenType.Number || !TryReadUnsigned(shape.ValueSpan, out var dim))
            {
                throw new RestParseException("json object, key is 'shape', array value should be unsigned integer");
            }
            dims.Add(dim);
        }
        var zero = dims.IndexOf(0);
        if (zero >= 0 && dims.Skip(zero).Any(d => d != 0))
        {
            throw new RestParseException($"json object, key is 'shape', invalid shape value {ErrorQuote.Shape(CollectionsMarshal.AsSpan(dims), ",")}");
        }
        return [.. dims];
    }

    private static bool TryReadUnsigned(ReadOnlySpan<byte> number, out long value)
    {
        value = 0;
        if (number[0] == '-' || JsonText.IsFloat(number))
        {
            return false;
        }
        foreach (var digit in number)
        {
            if (value > (long.MaxValue - 9) / 10)
            {
                return false;
            }
            value = (value * 10) + (digit - '0');
        }
        return true;
    }

    private static bool IsSingleElement(long[] dims) => dims.All(d => d == 1);

    private static ulong ElementCount(long[] dims)
    {
        ulong count = 1;
        foreach (var d in dims)
        {
            count = unchecked(count * (ulong)d);
        }
        return count;
    }
}
