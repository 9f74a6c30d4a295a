namespace SharpServing.Engine.Tests;

public sealed class ErrorQuoteTests
{
    [Fact]
    public void Text_up_to_the_limit_is_whole_and_longer_text_is_cut_with_an_ellipsis()
    {
        var limit = new string('a', ErrorQuote.MaxLength);

        Assert.Equal(limit, ErrorQuote.Text(limit));
        Assert.Equal(limit + "...", ErrorQuote.Text(limit + "b"));
        Assert.Equal("", ErrorQuote.Text(""));
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var text = new string('a', ErrorQuote.MaxLength - 1) + "\U0001F600" + "tail";

        Assert.Equal(new string('a', ErrorQuote.MaxLength - 1) + "...", ErrorQuote.Text(text));
    }

    [Fact]
    public void Utf8_is_decoded_and_quoted_and_invalid_bytes_are_replaced()
    {
        Assert.Equal("ab\uFFFD", ErrorQuote.Utf8([(byte)'a', (byte)'b', 0xFF]));
        Assert.Equal(new string('x', ErrorQuote.MaxLength) + "...", ErrorQuote.Utf8(new byte[10_000_000].Select(_ => (byte)'x').ToArray()));
    }

    [Fact]
    public void Shape_formats_short_shapes_whole_and_stops_early_on_huge_ones()
    {
        Assert.Equal("[]", ErrorQuote.Shape([]));
        Assert.Equal("[1, 2, 3]", ErrorQuote.Shape([1, 2, 3]));
        Assert.Equal("[1,2,0,1]", ErrorQuote.Shape([1, 2, 0, 1], ","));
        var huge = Enumerable.Repeat(7L, 3_000_000).ToArray();

        Assert.Equal(("[" + string.Join(", ", Enumerable.Repeat(7, 30)))[..ErrorQuote.MaxLength] + "...", ErrorQuote.Shape(huge));
    }
}
