using System.Globalization;
using System.Text;

namespace SharpServing.Engine;

/// <summary>
/// Short quotes of client input for error texts: a name, token or shape is echoed whole up to <see cref="MaxLength"/>
/// characters, and a longer one as its first <see cref="MaxLength"/> characters and <c>...</c>, so a 20 MB base64
/// string or a 3,000,000-dimension shape never comes back inside an error.
/// </summary>
public static class ErrorQuote
{
    /// <summary>The most characters of client input an error text quotes (64).</summary>
    public const int MaxLength = 64;

    private const string Ellipsis = "...";

    /// <summary>The longest JSON reader message an error text carries (320 characters).</summary>
    private const int MaxReaderMessageLength = 320;

    /// <summary>The text, or its first <see cref="MaxLength"/> characters and <c>...</c> (never half a surrogate pair).</summary>
    public static string Text(ReadOnlySpan<char> text)
    {
        if (text.Length <= MaxLength)
        {
            return text.ToString();
        }
        var cut = char.IsHighSurrogate(text[MaxLength - 1]) ? MaxLength - 1 : MaxLength;
        return string.Concat(text[..cut], Ellipsis);
    }

    /// <summary>UTF-8 bytes as text (invalid sequences replaced), quoted as <see cref="Text(ReadOnlySpan{char})"/>.</summary>
    public static string Utf8(ReadOnlySpan<byte> text)
    {
        // Enough bytes for MaxLength + 1 characters of up to 4 bytes each, so the cut is decided on the decoded text.
        var prefix = text.Length > (MaxLength + 1) * 4 ? text[..((MaxLength + 1) * 4)] : text;
        return Text(Encoding.UTF8.GetString(prefix));
    }

    /// <summary>
    /// A shape as <c>[a&lt;separator&gt;b…]</c>, quoted: formatting stops once the quote is full, so a huge dims list costs
    /// no more than a short one.
    /// </summary>
    public static string Shape(ReadOnlySpan<long> dims, string separator = ", ")
    {
        ArgumentNullException.ThrowIfNull(separator);
        var text = new StringBuilder("[");
        for (var i = 0; i < dims.Length; i++)
        {
            if (text.Length > MaxLength)
            {
                return Text(text.ToString());
            }
            if (i > 0)
            {
                text.Append(separator);
            }
            text.Append(dims[i].ToString(CultureInfo.InvariantCulture));
        }
        return Text(text.Append(']').ToString());
    }

    /// <summary>
    /// A JSON reader's message with the request text it quotes (an invalid literal such as <c>'fal…' is an invalid JSON
    /// literal</c> carries everything the reader consumed) cut to a short quote, so the error never echoes the body.
    /// </summary>
    public static string JsonReaderMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var open = message.IndexOf('\'', StringComparison.Ordinal);
        var close = open < 0 ? -1 : message.IndexOf("' is ", open + 1, StringComparison.Ordinal);
        if (close - open - 1 > MaxLength)
        {
            message = string.Concat(message.AsSpan(0, open + 1), Text(message.AsSpan(open + 1, close - open - 1)), message.AsSpan(close));
        }
        // Any other long message keeps its start: the reader's words and position come first.
        return message.Length <= MaxReaderMessageLength ? message : string.Concat(message.AsSpan(0, MaxReaderMessageLength), Ellipsis);
    }
}
