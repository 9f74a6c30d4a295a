using System.Net;
using SharpServing.Internal;
using SharpServing.Server.Hosting;
using SharpServing.Server.Rest;

namespace SharpServing.ClientTests;

/// <summary>The RESTful client: JSON forms (unit) and against the real RESTful server.</summary>
public sealed class RestClientTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void Request_SendsEveryValueAsAB64Object()
    {
        var body = RestClientJson.WriteRequest(new Dictionary<string, object> { ["x"] = new float[,] { { 1, 2 } }, ["s"] = "ab", ["n"] = 5 });

        Assert.Equal(
            """{"instances":[{"x":{"b64":"AACAPwAAAEA=","type":"float32","shape":[1,2]},"s":{"b64":"YWI=","type":"str","shape":[1]},"n":{"b64":"BQAAAAAAAAA=","type":"int64","shape":[1]}}]}""",
            System.Text.Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void Reply_Forms()
    {
        var error = RestClientJson.ReadReply("""{"error_msg":"Request servable(x) method(y) , servable is not available"}"""u8.ToArray());
        var result = RestClientJson.ReadReply("""
            {"instances":[
              {"y":[[2.0,2.0],[2.0,2.0]],"i":[1,2,3],"b":true,"s":"abc","ss":["a","b"],"raw":{"b64":"QUJD"},"raws":[{"b64":"QQ=="}],"big":18446744073709551615,"nan":null,"empty":[]},
              {"error_msg":"instance failed"}
            ]}
            """u8.ToArray());

        Assert.Equal("Request servable(x) method(y) , servable is not available", error.Error);
        Assert.Equal(0, error.ErrorCode);
        var outputs = result.Instances[0].Outputs!;
        var y = Assert.IsType<Tensor>(outputs["y"]);
        Assert.Equal((DataType.Float64, new long[] { 2, 2 }), (y.DataType, y.Dims.ToArray()), TupleComparer);
        Assert.Equal([2.0, 2.0, 2.0, 2.0], y.ToArray<double>());
        Assert.Equal([1L, 2L, 3L], ((Tensor)outputs["i"]).ToArray<long>());
        Assert.True(((Tensor)outputs["b"]).ToScalar<bool>());
        Assert.Equal("abc", outputs["s"]);
        Assert.Equal(new[] { "a", "b" }, outputs["ss"]);
        Assert.Equal("ABC"u8.ToArray(), outputs["raw"]);
        Assert.Equal(["A"u8.ToArray()], Assert.IsType<byte[][]>(outputs["raws"]));
        Assert.Equal(ulong.MaxValue, ((Tensor)outputs["big"]).ToScalar<ulong>());
        Assert.True(double.IsNaN(((Tensor)outputs["nan"]).ToScalar<double>()));
        Assert.Equal([0L], ((Tensor)outputs["empty"]).Dims);
        Assert.Equal("instance failed", result.Instances[1].Error);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"x":1}""")]
    [InlineData("""{"instances":[{"y":[[1,2],[3]]}]}""")]
    [InlineData("""{"instances":[{"y":[1,"a"]}]}""")]
    public void Reply_Malformed_Throws(string body)
        => Assert.Throws<InvalidOperationException>(() => RestClientJson.ReadReply(System.Text.Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("127.0.0.1:1500", 0, "http://127.0.0.1:1500/model/add:add_common")]
    [InlineData("http://127.0.0.1:1500/", 2, "http://127.0.0.1:1500/model/add/version/2:add_common")]
    [InlineData("https://localhost:1500", 0, "https://localhost:1500/model/add:add_common")]
    public void RequestUri_FollowsTheUrlGrammar(string address, long version, string expected)
    {
        using var client = new RestClient(address, "add", "add_common", version);
        Assert.Equal(expected, client.RequestUri.ToString());
    }

    [Fact]
    public void Constructor_ChecksLikeTheGrpcClient()
    {
        Assert.Equal("Parameter 'servable_name' should not be empty str",
            Assert.Throws<ArgumentException>(() => new RestClient("127.0.0.1:1500", "", "m")).Message);
        Assert.Equal("Parameter 'version_number' should be >= 0",
            Assert.Throws<ArgumentException>(() => new RestClient("127.0.0.1:1500", "s", "m", -1)).Message);
    }

    [Fact]
    public async Task AgainstTheRealServer_ValuesAndTheThreeResultShapes()
    {
        var predictor = new TestPredictor();
        await using var server = await RestServerHost.StartAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), new RestOptions(), null, predictor, null, null, CancellationToken.None)
            .WaitAsync(s_wait);
        var address = $"127.0.0.1:{server.Port}";
        using var add = new RestClient(address, "test", "add", 3) { Timeout = s_wait };
        using var echo = new RestClient(address, "test", "echo") { Timeout = s_wait };
        using var partial = new RestClient(address, "test", "partial") { Timeout = s_wait };
        using var bad = new RestClient(address, "test", "bad") { Timeout = s_wait };

        var sum = await add.InferAsync(new Dictionary<string, object> { ["x1"] = new float[,] { { 1, 2 } }, ["x2"] = new float[,] { { 3, 4 } } }).WaitAsync(s_wait);
        var sentVersion = predictor.LastRequest!.Version;
        var echoed = echo.Infer(new Dictionary<string, object> { ["s"] = "héllo", ["b"] = new byte[] { 1, 2 }, ["i"] = new int[] { 7, 8 }, ["t"] = true });
        var mixed = partial.Infer(new object[] { new Dictionary<string, object> { ["x"] = 1f }, new Dictionary<string, object> { ["x"] = 2f, ["fail"] = 1 } });
        var error = bad.Infer(new Dictionary<string, object> { ["x"] = 1f });

        Assert.Equal(3ul, sentVersion);
        var y = (Tensor)sum.EnsureSuccess().GetOutputs(0)["y"];
        Assert.Equal([1L, 2L], y.Dims);
        Assert.Equal([4.0, 6.0], y.ToArray<double>());
        var outputs = echoed.EnsureSuccess().GetOutputs(0);
        Assert.Equal(new[] { "héllo" }, outputs["s"]);
        Assert.Equal(new[] { new byte[] { 1, 2 } }, outputs["b"]);
        Assert.Equal([7L, 8L], ((Tensor)outputs["i"]).ToArray<long>());
        Assert.Equal([true], ((Tensor)outputs["t"]).ToArray<bool>());
        Assert.Equal(1.0, ((Tensor)mixed.Instances[0].Outputs!["y"]).ToScalar<double>());
        Assert.Equal("instance 1 failed", mixed.Instances[1].Error);
        Assert.Equal("Request servable(test) method(bad) , method is not available", error.Error);
    }

    [Fact]
    public async Task ServerDown_Throws()
    {
        using var client = new RestClient($"127.0.0.1:{TransportFailureTests.FreePort()}", "test", "add") { Timeout = s_wait };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.InferAsync(new Dictionary<string, object> { ["x"] = 1f }).WaitAsync(s_wait));
    }

    private static readonly IEqualityComparer<(DataType, long[])> TupleComparer =
        EqualityComparer<(DataType, long[])>.Create((a, b) => a.Item1 == b.Item1 && a.Item2.SequenceEqual(b.Item2));
}
