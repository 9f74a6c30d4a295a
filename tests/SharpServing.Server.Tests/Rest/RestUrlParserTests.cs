using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Tests.Rest;

public sealed class RestUrlParserTests
{
    private const string Model = "please check url, the keyword:[model] must contain.";
    private const string Method = "please check url, the keyword:[service method] must contain.";

    private static string Value(string s) => $"please check url, the keyword:[version] value invalid, request version number {s}";

    private static string Range(string s) => $"please check url, version number range failed, request version number {s}";

    [Theory]
    [InlineData("/model/add:add_common", "add", 0UL, "add_common")]
    [InlineData("/model/add/version/1:add_common", "add", 1UL, "add_common")]
    [InlineData("/version/1/model/add:add_common", "add", 1UL, "add_common")]
    [InlineData("/model/add/version/0:m", "add", 0UL, "m")]
    [InlineData("/model/add/version/007:m", "add", 7UL, "m")]
    [InlineData("/model/add/version/-0:m", "add", 0UL, "m")]
    [InlineData("/model/add/version/4294967294:m", "add", 4294967294UL, "m")]
    [InlineData("/model/add:add_common?x=1", "add", 0UL, "add_common")]
    [InlineData("/model/add:a:b/c", "add", 0UL, "a:b/c")]
    [InlineData("/model/a%20b:m", "a%20b", 0UL, "m")]
    [InlineData("/model/model:version", "model", 0UL, "version")]
    [InlineData("/version/2/model/version:model", "version", 2UL, "model")]
    public void Parse_GrammarUrl_GivesRoute(string target, string servable, ulong version, string method)
    {
        var route = RestUrlParser.Parse(target, out var error);

        Assert.Null(error);
        Assert.Equal(new RestRoute(servable, version, method), route);
    }

    [Theory]
    [InlineData("/x/:add_common", Model)]
    [InlineData("/model/:m", Model)]
    [InlineData("/model:m", Model)]
    [InlineData("/models/add:m", Model)]
    [InlineData("model/add:m", Model)]
    [InlineData("/model/add/:m", Model)]
    [InlineData("/model/add/extra:m", Model)]
    [InlineData("/model/add/version:m", Model)]
    [InlineData("/model/add/version/1/:m", Model)]
    [InlineData("/model/add/version/1/model/x:m", Model)]
    [InlineData("/version/1:m", Model)]
    [InlineData("/version/1/model/:m", Model)]
    [InlineData("/version/1/model/a/b:m", Model)]
    [InlineData("/version/1/models/a:m", Model)]
    [InlineData("", Model)]
    [InlineData("/", Model)]
    [InlineData("*", Model)]
    [InlineData("/x/", Model)]
    [InlineData("/model/add", Method)]
    [InlineData("/model/add:", Method)]
    [InlineData("/model/add:?x=1", Method)]
    [InlineData("/model/add?x=:m", Method)]
    [InlineData("/version/1/model/add", Method)]
    [InlineData("/model/add/version/-1:m", "please check url, version number range failed, request version number -1")]
    [InlineData("/version/-1/model/add:m", "please check url, version number range failed, request version number -1")]
    [InlineData("/model/add/version/abc:m", "please check url, the keyword:[version] value invalid, request version number abc")]
    public void Parse_BadUrl_GivesText(string target, string expected)
    {
        var route = RestUrlParser.Parse(target, out var error);

        Assert.Null(route);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("12abc")]
    [InlineData("1.5")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("-")]
    [InlineData("--1")]
    [InlineData("1e3")]
    [InlineData("٣")]
    public void Parse_NonNumericVersion_GivesValueError(string version)
    {
        Assert.Null(RestUrlParser.Parse($"/model/add/version/{version}:m", out var error));
        Assert.Equal(Value(version), error);
        Assert.Null(RestUrlParser.Parse($"/version/{version}/model/add:m", out error));
        Assert.Equal(Value(version), error);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-5000000000")]
    [InlineData("4294967295")]
    [InlineData("4294967296")]
    [InlineData("18446744073709551616")]
    [InlineData("99999999999999999999999999")]
    [InlineData("-99999999999999999999999999")]
    public void Parse_OutOfRangeVersion_GivesRangeError(string version)
    {
        Assert.Null(RestUrlParser.Parse($"/model/add/version/{version}:m", out var error));
        Assert.Equal(Range(version), error);
    }

    [Fact]
    public void Parse_ChecksShapeThenVersionThenMethod()
    {
        Assert.Equal(Model, Parse("/x/version/abc"));
        Assert.Equal(Value("abc"), Parse("/model/add/version/abc"));
        Assert.Equal(Range("-1"), Parse("/model/add/version/-1:"));
        Assert.Equal(Method, Parse("/model/add/version/1"));
    }

    private static string? Parse(string target)
    {
        RestUrlParser.Parse(target, out var error);
        return error;
    }
}
