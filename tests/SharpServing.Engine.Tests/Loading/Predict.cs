namespace SharpServing.Engine.Tests.Loading;

/// <summary>Runs a request through the real dispatcher over a catalog, with a timeout.</summary>
internal static class Predict
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<InferReply> AddAsync(IServableCatalog catalog, string servable, ulong version = 0, string method = "add_common")
    {
        var dispatcher = new Dispatcher(catalog, new ExecutionOptions());
        var x1 = Tensor.Create([1f, 2f, 3f, 4f], 2, 2);
        var x2 = Tensor.Create([10f, 20f, 30f, 40f], 2, 2);
        var instance = new Dictionary<string, RequestInput> { ["x1"] = x1, ["x2"] = x2 };
        return await dispatcher.PredictAsync(new InferRequest(servable, method, version, [instance]), CancellationToken.None).WaitAsync(Timeout);
    }

    /// <summary>Runs the add request and checks y = x1 + x2.</summary>
    public static async Task AssertAddsAsync(IServableCatalog catalog, string servable, ulong version = 0, string method = "add_common")
    {
        var reply = await AddAsync(catalog, servable, version, method);
        Assert.Equal([11f, 22f, 33f, 44f], Output(reply));
    }

    /// <summary>The single output of the single instance, as floats; fails the test on an error reply.</summary>
    public static float[] Output(InferReply reply)
    {
        Assert.Null(reply.Error);
        var instance = Assert.Single(reply.Instances);
        Assert.Null(instance.Error);
        return Assert.Single(instance.Outputs!).Value.ToArray<float>();
    }
}
