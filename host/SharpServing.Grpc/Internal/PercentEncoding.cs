using System.Text;

namespace SharpServing.Grpc.Internal;

/// <summary>The <c>grpc-message</c> encoding: UTF-8, then every byte outside 0x20..0x7E and '%' as %XX.</summary>
internal static class PercentEncoding
{
    public static string Encode(string message)
    {
        var needsEncoding = false;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                needsEncoding = true;
                break;
            }
        }
        if (!needsEncoding)
        {
            return message;
        }
        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                sb.Append('%').Append(Convert.ToHexString([b]));
            }
            else
            {
                sb.Append((char)b);
            }
        }
        return sb.ToString();
    }
}
