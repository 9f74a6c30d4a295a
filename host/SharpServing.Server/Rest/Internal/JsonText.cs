using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace SharpServing.Server.Rest.Internal;

/// <summary>Reading strings and numbers from a <see cref="Utf8JsonReader"/> the way the RESTful API types them.</summary>
internal static class JsonText
{
    /// <summary>A number token is a float when it has a fraction or an exponent (specification 6.4).</summary>
    public static bool IsFloat(ReadOnlySpan<byte> number) => number.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0;

    /// <summary>An integer token's low 32 bits (two's complement), whatever its size.</summary>
    public static int WrapToInt32(ReadOnlySpan<byte> number)
    {
        var negative = number[0] == '-';
        uint value = 0;
        for (var i = negative ? 1 : 0; i < number.Length; i++)
        {
            value = unchecked((value * 10) + (uint)(number[i] - '0'));
        }
        return unchecked((int)(negative ? 0u - value : value));
    }

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
