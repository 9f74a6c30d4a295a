using System.Text;
using SharpServing.Engine;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Tests.Rest;

/// <summary>Helpers for parser tests: a request body around one value <c>x</c>, and the outcomes.</summary>
internal static class RestParsing
{
    public static RestParseResult Parse(string json) => RestRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    public static RestParseResult Parse(byte[] json) => RestRequestParser.Parse(json);

    /// <summary>The request error (unprefixed) of a well-formed body.</summary>
    public static string Error(string json)
    {
        var result = Parse(json);
        Assert.Null(result.IllegalJsonDetail);
        Assert.Null(result.Instances);
        return Assert.IsType<string>(result.Error);
    }

    /// <summary>The error for <c>{"instances":{"x": value}}</c>.</summary>
    public static string ValueError(string value) => Error(Wrap(value));

    /// <summary>The tensor for <c>{"instances":{"x": value}}</c>, which must be valid.</summary>
    public static Tensor Value(string value)
    {
        var input = Input(value);
        Assert.Null(input.InvalidDetail);
        return input.Tensor!;
    }

    /// <summary>The tensor-check detail for a value that parses but fails the wire tensor check.</summary>
    public static string Invalid(string value)
    {
        var input = Input(value);
        Assert.Null(input.Tensor);
        return input.InvalidDetail!;
    }

    public static RequestInput Input(string value)
    {
        var result = Parse(Wrap(value));
        Assert.Null(result.IllegalJsonDetail);
        Assert.Null(result.Error);
        return Assert.Single(result.Instances!)["x"];
    }

    public static string Wrap(string value) => $"{{\"instances\":{{\"x\":{value}}}}}";
}
