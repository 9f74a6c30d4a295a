using System.Buffers;
using System.Buffers.Text;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Base64 as the RESTful API accepts it: the standard alphabet, <c>=</c> padding only at the end, no whitespace.
/// Unused trailing bits of the last character are ignored (as MindSpore Serving's decoder does).
/// </summary>
internal static class StrictBase64
{
    private static readonly SearchValues<byte> s_alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    /// <summary>Decodes <paramref name="text"/>, whose length the caller has checked to be a multiple of 4.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 != 0)
        {
            return false;
        }
        if (text.IsEmpty)
        {
            return true;
        }
        var pad = text[^1] == '=' ? (text[^2] == '=' ? 2 : 1) : 0;
        if (text[..^pad].IndexOfAnyExcept(s_alphabet) >= 0)
        {
            return false;
        }
        var result = GC.AllocateUninitializedArray<byte>(text.Length / 4 * 3 - pad);
        var head = text[..^4];
        var status = Base64.DecodeFromUtf8(head, result, out var consumed, out var written, isFinalBlock: false);
        if (status != OperationStatus.Done || consumed != head.Length)
        {
            return false;
        }
        Span<int> last = stackalloc int[4];
        for (var i = 0; i < 4; i++)
        {
            last[i] = i < 4 - pad ? Value(text[head.Length + i]) : 0;
        }
        var tail = result.AsSpan(written);
        tail[0] = (byte)((last[0] << 2) | (last[1] >> 4));
        if (tail.Length > 1)
        {
            tail[1] = (byte)(((last[1] & 0xF) << 4) | (last[2] >> 2));
        }
        if (tail.Length > 2)
        {
            tail[2] = (byte)(((last[2] & 0x3) << 6) | last[3]);
        }
        bytes = result;
        return true;
    }

    private static int Value(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        _ => 63,
    };
}
