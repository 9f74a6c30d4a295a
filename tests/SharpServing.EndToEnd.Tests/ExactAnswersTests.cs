using System.Text;
using System.Text.Json;
using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// The RESTful API against the real server: numbers the tensor type cannot hold are errors (not infinities or wraps),
/// error texts quote at most a short prefix of the request, and a request whose instances fail logs one line.
/// </summary>
[Collection(SharedServer.Collection)]
public sealed class ExactAnswersTests(SharedServer shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly HttpClient s_client = new() { Timeout = s_timeout };
    private const string Ones = "[[1.0,1.0],[1.0,1.0]]";
    private const int Quote = 64;

    private async Task<string> PostAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await s_client.PostAsync($"http://{shared.RestAddress}{path}", content).WaitAsync(s_timeout);
        return await response.Content.ReadAsStringAsync().WaitAsync(s_timeout);
    }

    private static string ErrorOf(string reply)
    {
        using var document = JsonDocument.Parse(reply);
        return document.RootElement.GetProperty("error_msg").GetString()!;
    }

    private async Task AssertStillServesAsync()
        => Assert.Equal("{\"instances\":[{\"y\":[[2.0,2.0],[2.0,2.0]]}]}",
            await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{Ones},\"x2\":{Ones}}}}}"));

    [Theory]
    [InlineData("1e999")]
    [InlineData("-1e999")]
    [InlineData("1e300")]
    public async Task A_float_beyond_float32_is_an_error_not_infinity(string number)
    {
        var reply = await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":[[{number},1.0],[1.0,1.0]],\"x2\":{Ones}}}}}");

        Assert.Equal($"{{\"error_msg\":\"Parser request failed, json value, float {number} is out of the range of float32\"}}", reply);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_30_digit_integer_is_an_error_not_a_wrapped_value()
    {
        const string digits = "123456789012345678901234567890";
        var reply = await PostAsync("/model/add:add_cast", $"{{\"instances\":{{\"x1\":[[{digits},1],[1,1]],\"x2\":[[1,1],[1,1]]}}}}");

        Assert.Equal($"Parser request failed, json value, integer {digits} is out of range: integers must fit in 64 bits to be read as int32",
            ErrorOf(reply));
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_huge_invalid_base64_string_is_quoted_short()
    {
        var b64 = new string('A', 5_000_001);
        var reply = await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{{\"b64\":\"{b64}\",\"type\":\"fp32\",\"shape\":[2,2]}},\"x2\":{Ones}}}}}");

        Assert.Equal($"Parser request failed, '{new string('A', Quote)}...' is illegal b64 encode string", ErrorOf(reply));
    }

    [Fact]
    public async Task A_shape_of_a_million_dimensions_is_quoted_short()
    {
        var dims = string.Join(',', Enumerable.Repeat(1, 1_000_000));
        var invalid = await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{{\"b64\":\"AAAA\",\"shape\":[0,{dims}]}},\"x2\":{Ones}}}}}");
        var stringShape = await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{{\"b64\":\"AAAA\",\"type\":\"str\",\"shape\":[{dims}]}},\"x2\":{Ones}}}}}");

        Assert.Equal($"Parser request failed, json object, key is 'shape', invalid shape value {("[0," + dims)[..Quote]}...", ErrorOf(invalid));
        Assert.Equal("Instances input x1 check failed, detail: Instance tensor check failed: bytes or string type input  shape can only be (1,) or empty, " +
            $"but given shape is {("[" + string.Join(", ", Enumerable.Repeat(1, 40)))[..Quote]}...", ErrorOf(stringShape));
    }

    [Fact]
    public async Task Long_keys_type_names_and_input_names_are_quoted_short()
    {
        var name = new string('k', 100_000);

        Assert.Equal($"Parser request failed, json object, key is not ['b64', 'type', 'shape'], fail key:{name[..Quote]}...",
            ErrorOf(await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{{\"b64\":\"AAAA\",\"{name}\":1}},\"x2\":{Ones}}}}}")));
        Assert.Equal($"Parser request failed, json object, specified type:'{name[..Quote]}...' is illegal",
            ErrorOf(await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{{\"b64\":\"AAAA\",\"type\":\"{name}\"}},\"x2\":{Ones}}}}}")));
    }

    [Fact]
    public async Task Long_servable_method_and_version_tokens_in_the_url_are_quoted_short()
    {
        var name = new string('n', 3000);
        var version = new string('9', 3000);
        var body = $"{{\"instances\":{{\"x1\":{Ones},\"x2\":{Ones}}}}}";

        Assert.Equal($"Request servable({name[..Quote]}...) method(add_common) , servable is not available",
            ErrorOf(await PostAsync($"/model/{name}:add_common", body)));
        Assert.Equal($"Request servable(add) method({name[..Quote]}...) , method is not available",
            ErrorOf(await PostAsync($"/model/add:{name}", body)));
        Assert.Equal($"please check url, version number range failed, request version number {version[..Quote]}...",
            ErrorOf(await PostAsync($"/model/add/version/{version}:add_common", body)));
        Assert.Equal($"please check url, the keyword:[version] value invalid, request version number {name[..Quote]}...",
            ErrorOf(await PostAsync($"/model/add/version/{name}:add_common", body)));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_key_and_a_huge_invalid_literal_are_json_errors_quoted_short()
    {
        var surrogate = await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{{\"b\\ud800\":\"AAAA\"}},\"x2\":{Ones}}}}}");
        var literal = "fal" + new string('x', 1_000_000);
        var invalid = ErrorOf(await PostAsync("/model/add:add_common", $"{{\"instances\":{{\"x1\":{literal},\"x2\":{Ones}}}}}"));

        Assert.StartsWith("Illegal JSON format.Cannot read incomplete UTF-16 JSON text", ErrorOf(surrogate), StringComparison.Ordinal);
        Assert.StartsWith($"Illegal JSON format.'{literal[..Quote]}...' is an invalid JSON literal.", invalid, StringComparison.Ordinal);
        Assert.True(invalid.Length < 400, invalid);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_request_whose_instances_all_fail_logs_one_line_with_the_count()
    {
        var instances = string.Join(',', Enumerable.Repeat($"{{\"x1\":\"abc\",\"x2\":{Ones}}}", 50));

        var reply = await PostAsync("/model/add:add_cast", $"{{\"instances\":[{instances}]}}");

        Assert.Equal("Call Function 'add.ToFloat32' Failed, method: 'add_cast', stage index(begin with 1): 1, error msg: Cannot cast String to Float32: only numeric types convert.",
            ErrorOf(reply));
        await shared.Server.WaitForLineAsync(l => l.Contains("failed for 50 of 50 instances of a request", StringComparison.Ordinal),
            "the stage failure line", s_timeout);
        var lines = shared.Server.Output.Split('\n');
        Assert.Single(lines, l => l.Contains("failed for 50 of 50 instances of a request", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("   at ", StringComparison.Ordinal) && l.Contains("ToFloat32", StringComparison.Ordinal));
    }
}
