using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using SharpServing.Engine;

namespace SharpServing.Server.Rest.Internal;

/// <summary>Reading strings and numbers from a <see cref="Utf8JsonReader"/> the way the RESTful API types them.</summary>
internal static class JsonText
{
    /// <summary>The longest JSON reader message a reply carries.</summary>

    /// <summary>A number token is a float when it has a fraction or an exponent (specification 6.4).</summary>
    public static bool IsFloat(ReadOnlySpan<byte> number) => number.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0;

    /// <summary>
    /// An integer token as MS_INT32: a value of [-2^63, 2^64 - 1] gives its low 32 bits (two's complement), as MindSpore
    /// Serving's cast of the 64-bit integer its JSON library holds does (specification 6.4); false for a value beyond
    /// 64 bits, which has no such integer and is refused (<see cref="IntegerOutOfRange"/>).
    /// </summary>
    public static bool TryWrapToInt32(ReadOnlySpan<byte> number, out int result)
    {
        var negative = number[0] == '-';
        ulong value = 0;
        for (var i = negative ? 1 : 0; i < number.Length; i++)
        {
            var digit = (uint)(number[i] - '0');
            if (value > (ulong.MaxValue - digit) / 10)
            {
                result = 0;
                return false;
            }
            value = (value * 10) + digit;
        }
        if (negative && value > 1UL << 63)
        {
            result = 0;
            return false;
        }
        result = unchecked((int)(uint)(negative ? 0UL - value : value));
        return true;
    }

    /// <summary>A float token as MS_FLOAT32 (nearest double, then nearest float); false when the value is beyond float32's range.</summary>
    public static bool TryParseFloat32(ReadOnlySpan<byte> number, out float result)
    {
        result = (float)ParseDouble(number);
        return float.IsFinite(result);
    }

    /// <summary>The request error for an integer token beyond 64 bits (quoted short).</summary>
    public static string IntegerOutOfRange(ReadOnlySpan<byte> number)
        => $"json value, integer {ErrorQuote.Utf8(number)} is out of range: integers must fit in 64 bits to be read as int32";

    /// <summary>The request error for a float token beyond float32's range (quoted short).</summary>
    public static string FloatOutOfRange(ReadOnlySpan<byte> number)
        => $"json value, float {ErrorQuote.Utf8(number)} is out of the range of float32";

    /// <summary>A float token as the nearest double (overflow gives ±infinity).</summary>
    public static double ParseDouble(ReadOnlySpan<byte> number)
    {
        // Utf8Parser is the faster of the two correctly rounded parsers; the general one covers anything it leaves.
        if (Utf8Parser.TryParse(number, out double value, out var consumed) && consumed == number.Length)
        {
            return value;
        }
        return double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The unescaped UTF-8 bytes of the current string or property name; invalid UTF-8 is a JSON error.</summary>
    public static byte[] GetUtf8(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            var raw = reader.ValueSpan;
            if (!Utf8.IsValid(raw))
            {
                throw new JsonException($"Invalid UTF-8 in a JSON string. BytePosition: {reader.TokenStartIndex}.");
            }
            return raw.ToArray();
        }
        var buffer = new byte[reader.ValueSpan.Length];
        try
        {
            var length = reader.CopyString(buffer);
            return buffer.AsSpan(0, length).ToArray();
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <summary>
    /// Whether the current property name is <paramref name="name"/>; an escape the reader cannot unescape (a lone
    /// surrogate such as <c>\ud800</c>) is a JSON error, as it is for values.
    /// </summary>
    public static bool NameEquals(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        try
        {
            return reader.ValueTextEquals(name);
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <summary>The current string or property name as a .NET string; invalid UTF-8 is a JSON error.</summary>
    public static string GetString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

}
