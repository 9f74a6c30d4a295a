using System.Globalization;
using System.Text;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Tests.Rest;

public sealed class NumericJsonWriterTests
{
    [Fact]
    public void Integral_shortcut_gives_the_same_text_as_round_trip_formatting()
    {
        var random = new Random(7);
        var values = new List<double> { 0, 1, -1, 9007199254740991, -9007199254740991, 9007199254740992, 1e15, 1e16, 4503599627370497, 123456789012345 };
        for (var i = 0; i < 20_000; i++)
        {
            values.Add(Math.Round((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(0, 17))));
            values.Add((float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-10, 20))));
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64()));
        }
        Span<byte> text = stackalloc byte[40];
        foreach (var value in values)
        {
            var length = NumericJsonWriter.FormatFloat(value, text);
            Assert.Equal(Reference(value), Encoding.UTF8.GetString(text[..length]));
        }
    }

    [Theory]
    [InlineData(-0.0, "-0.0")]
    [InlineData(double.NaN, "null")]
    [InlineData(double.NegativeInfinity, "null")]
    [InlineData(1e-7, "1e-07")]
    public void Special_values(double value, string expected)
    {
        Span<byte> text = stackalloc byte[40];
        var length = NumericJsonWriter.FormatFloat(value, text);
        Assert.Equal(expected, Encoding.UTF8.GetString(text[..length]));
    }

    /// <summary>The specified form: shortest round trip ("R"), <c>e</c> for the exponent, <c>.0</c> on integral texts.</summary>
    private static string Reference(double value)
    {
        if (!double.IsFinite(value))
        {
            return "null";
        }
        var text = value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('e', StringComparison.Ordinal) ? text : text + ".0";
    }
}
