namespace SharpServing.ClientTests;

/// <summary>The client against the real gRPC server: values both ways, the three result shapes, async and concurrency.</summary>
public sealed class ClientServerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public void Infer_ThreeInstances_ReturnsTheirSumsInOrder()
    {
        using var client = _server.NewClient("add");
        var instances = Enumerable.Range(1, 3).Select(i => (IReadOnlyDictionary<string, object>)new Dictionary<string, object>
        {
            ["x1"] = Filled(i),
            ["x2"] = Filled(i),
        }).ToList();

        var result = client.Infer(instances).EnsureSuccess();

        Assert.Equal(3, result.Instances.Count);
        for (var i = 0; i < 3; i++)
        {
            var y = result.Instances[i].GetOutput<Tensor>("y");
            Assert.Equal(DataType.Float32, y.DataType);
            Assert.Equal([2L, 2L], y.Dims);
            Assert.All(y.ToArray<float>(), v => Assert.Equal(2f * (i + 1), v));
        }
    }

    [Fact]
    public void Infer_SendsTheSpec()
    {
        using var client = _server.NewClient("add", version: 7, servable: "adder");

        client.Infer(new Dictionary<string, object> { ["x1"] = 1f, ["x2"] = 2f }).EnsureSuccess();

        var request = _server.Predictor.LastRequest!;
        Assert.Equal(("adder", "add", 7ul), (request.Servable, request.Method, request.Version));
    }

    [Fact]
    public void Infer_EveryValueType_RoundTrips()
    {
        using var client = _server.NewClient("echo");
        var half = new Half[,] { { (Half)1.5, (Half)(-2) } };
        var strings = Tensor.FromItems(DataType.String, [1], ["tensor text"u8.ToArray()]);
        var instance = new Dictionary<string, object>
        {
            ["f32"] = new float[,] { { 1, 2 }, { 3, 4 } },
            ["f64"] = new double[] { 0.5, -0.25 },
            ["f16"] = half,
            ["bools"] = new bool[] { true, false },
            ["i8"] = new sbyte[] { -8 },
            ["u8"] = new byte[,] { { 200 } },
            ["i16"] = new short[] { -16 },
            ["u16"] = new ushort[] { 16 },
            ["i32"] = new int[] { -32, 32 },
            ["u32"] = new uint[] { 32 },
            ["i64"] = new long[] { long.MinValue },
            ["u64"] = new ulong[] { ulong.MaxValue },
            ["empty"] = new float[3, 0],
            ["int"] = 5,
            ["long"] = 6L,
            ["double"] = 2.5,
            ["bool"] = true,
            ["float"] = 1.25f,
            ["half"] = (Half)0.5,
            ["sbyte"] = (sbyte)-1,
            ["byte"] = (byte)1,
            ["short"] = (short)-2,
            ["ushort"] = (ushort)2,
            ["uint"] = 3u,
            ["ulong"] = 4ul,
            ["text"] = "héllo ✓",
            ["bytes"] = new byte[] { 0, 1, 2, 255 },
            ["tensor"] = Tensor.Create(new int[] { 1, 2, 3, 4, 5, 6 }, 2, 3),
            ["stringTensor"] = strings,
        };

        var outputs = client.Infer(instance).EnsureSuccess().GetOutputs(0);

        AssertTensor(outputs["f32"], DataType.Float32, [2, 2], new float[] { 1, 2, 3, 4 });
        AssertTensor(outputs["f64"], DataType.Float64, [2], new double[] { 0.5, -0.25 });
        AssertTensor(outputs["f16"], DataType.Float16, [1, 2], new Half[] { (Half)1.5, (Half)(-2) });
        AssertTensor(outputs["bools"], DataType.Bool, [2], new bool[] { true, false });
        AssertTensor(outputs["i8"], DataType.Int8, [1], new sbyte[] { -8 });
        AssertTensor(outputs["u8"], DataType.UInt8, [1, 1], new byte[] { 200 });
        AssertTensor(outputs["i16"], DataType.Int16, [1], new short[] { -16 });
        AssertTensor(outputs["u16"], DataType.UInt16, [1], new ushort[] { 16 });
        AssertTensor(outputs["i32"], DataType.Int32, [2], new int[] { -32, 32 });
        AssertTensor(outputs["u32"], DataType.UInt32, [1], new uint[] { 32 });
        AssertTensor(outputs["i64"], DataType.Int64, [1], new long[] { long.MinValue });
        AssertTensor(outputs["u64"], DataType.UInt64, [1], new ulong[] { ulong.MaxValue });
        AssertTensor(outputs["empty"], DataType.Float32, [3, 0], Array.Empty<float>());
        AssertTensor(outputs["int"], DataType.Int64, [1], new long[] { 5 });
        AssertTensor(outputs["long"], DataType.Int64, [1], new long[] { 6 });
        AssertTensor(outputs["double"], DataType.Float64, [1], new double[] { 2.5 });
        AssertTensor(outputs["bool"], DataType.Bool, [1], new bool[] { true });
        AssertTensor(outputs["float"], DataType.Float32, [], new float[] { 1.25f });
        AssertTensor(outputs["half"], DataType.Float16, [], new Half[] { (Half)0.5 });
        AssertTensor(outputs["sbyte"], DataType.Int8, [], new sbyte[] { -1 });
        AssertTensor(outputs["byte"], DataType.UInt8, [], new byte[] { 1 });
        AssertTensor(outputs["short"], DataType.Int16, [], new short[] { -2 });
        AssertTensor(outputs["ushort"], DataType.UInt16, [], new ushort[] { 2 });
        AssertTensor(outputs["uint"], DataType.UInt32, [], new uint[] { 3 });
        AssertTensor(outputs["ulong"], DataType.UInt64, [], new ulong[] { 4 });
        AssertTensor(outputs["tensor"], DataType.Int32, [2, 3], new int[] { 1, 2, 3, 4, 5, 6 });
        Assert.Equal("héllo ✓", outputs["text"]);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, outputs["bytes"]);
        Assert.Equal("tensor text", outputs["stringTensor"]);
        Assert.Equal(instance.Count, outputs.Count);
    }

    [Fact]
    public void Infer_RequestWideError_IsReturned()
    {
        using var client = _server.NewClient("bad");

        var result = client.Infer(new Dictionary<string, object> { ["x"] = 1f });

        Assert.True(result.IsRequestError);
        Assert.Equal("Request servable(test) method(bad) , method is not available", result.Error);
        Assert.Equal(2, result.ErrorCode);
        Assert.Null(result.TransportStatus);
        Assert.Empty(result.Instances);
    }

    [Fact]
    public void Infer_ServerTensorCheck_IsARequestWideError()
    {
        using var client = _server.NewClient("echo");

        var shape = client.Infer(new Dictionary<string, object> { ["x1"] = new float[0, 2] });
        var items = client.Infer(new Dictionary<string, object> { ["x1"] = Tensor.FromStrings(["a", "b"]) });

        Assert.Equal("Instances input x1 check failed, detail: Tensor check failed: input  shape [0, 2] invalid", shape.Error);
        Assert.Equal("Instances input x1 check failed, detail: Instance tensor check failed: bytes or string type shape batch size can only be 1", items.Error);
    }

    [Fact]
    public void Infer_ZeroInstances_GetsTheServersError()
    {
        using var client = _server.NewClient("echo");

        var result = client.Infer(new List<IReadOnlyDictionary<string, object>>());

        Assert.Equal("Instances count of request cannot be 0, servable: test, method: echo", result.Error);
    }

    [Fact]
    public void Infer_PartialFailure_GivesOneOutcomePerInstance()
    {
        using var client = _server.NewClient("partial");
        object[] instances =
        [
            new Dictionary<string, object> { ["x"] = 1f },
            new Dictionary<string, object> { ["x"] = 2f, ["fail"] = true },
            new Dictionary<string, object> { ["x"] = 3f },
        ];

        var result = client.Infer(instances);

        Assert.False(result.IsRequestError);
        Assert.False(result.IsSuccess);
        Assert.Equal(3, result.Instances.Count);
        Assert.Equal(1f, result.Instances[0].GetOutput<Tensor>("y").ToScalar<float>());
        Assert.Equal("instance 1 failed", result.Instances[1].Error);
        Assert.Equal(3, result.Instances[1].ErrorCode);
        Assert.Null(result.Instances[1].Outputs);
        Assert.Equal(3f, result.Instances[2].GetOutput<Tensor>("y").ToScalar<float>());
    }

    [Fact]
    public void Infer_EveryInstanceFailingAlike_IsRequestWide()
    {
        using var client = _server.NewClient("fail_all");

        var result = client.Infer(new[] { new Dictionary<string, object> { ["x"] = 1f }, new Dictionary<string, object> { ["x"] = 2f } });

        Assert.Equal("every instance failed", result.Error);
        Assert.Equal(3, result.ErrorCode);
    }

    [Fact]
    public async Task InferAsync_ManyConcurrentCalls_OnOneClient_AllSucceed()
    {
        using var client = _server.NewClient("add");

        var calls = Enumerable.Range(0, 64).Select(i => client.InferAsync(new Dictionary<string, object>
        {
            ["x1"] = new float[] { i },
            ["x2"] = new float[] { 1 },
        })).ToList();
        var results = await Task.WhenAll(calls).WaitAsync(s_wait);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i + 1f, results[i].EnsureSuccess().Instances[0].GetOutput<Tensor>("y").ToScalar<float>());
        }
    }

    [Fact]
    public void Infer_ParallelSyncCallers_ShareTheClient()
    {
        using var client = _server.NewClient("add");
        var sums = new float[16];

        // A few blocked callers: each sync call holds its thread while the connection's I/O runs on the pool.
        Parallel.For(0, sums.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => sums[i] = client.Infer(new Dictionary<string, object> { ["x1"] = (float)i, ["x2"] = 0.5f })
            .EnsureSuccess().Instances[0].GetOutput<Tensor>("y").ToScalar<float>());

        Assert.Equal(Enumerable.Range(0, 16).Select(i => i + 0.5f), sums);
    }

    [Fact]
    public void Dispose_ThenInfer_Throws()
    {
        var client = _server.NewClient("add");
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => client.Infer(new Dictionary<string, object> { ["x1"] = 1f, ["x2"] = 1f }));
    }

    private static float[,] Filled(float value) => new float[,] { { value, value }, { value, value } };

    private static void AssertTensor<T>(object output, DataType dataType, long[] dims, T[] values) where T : unmanaged
    {
        var tensor = Assert.IsType<Tensor>(output);
        Assert.Equal(dataType, tensor.DataType);
        Assert.Equal(dims, tensor.Dims);
        Assert.Equal(values, tensor.ToArray<T>());
    }
}
