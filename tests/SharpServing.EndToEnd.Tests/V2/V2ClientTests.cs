using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests.V2;

/// <summary>The C# V2 client and <c>sharpserving infer --protocol v2</c> against the real server.</summary>
[Collection(SharedServer.Collection)]
public sealed class V2ClientTests(SharedServer shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_client_reads_readiness_and_metadata_and_adds_two_tensors()
    {
        using var client = new V2Client(shared.GrpcAddress);

        Assert.True(await client.IsServerReadyAsync().WaitAsync(s_timeout));
        Assert.True(await client.IsModelReadyAsync("add.add_common").WaitAsync(s_timeout));
        Assert.False(await client.IsModelReadyAsync("add.nothing").WaitAsync(s_timeout));
        var metadata = await client.GetModelMetadataAsync("add.add_common").WaitAsync(s_timeout);
        Assert.Equal(["x1", "x2"], metadata.Inputs.Select(i => i.Name));
        Assert.All(metadata.Inputs, i => Assert.Equal("FP32", i.Datatype));
        var outputs = await client.InferAsync("add.add_common", new Dictionary<string, Tensor>
        {
            ["x1"] = Tensor.Create(new float[] { 1, 2, 3, 4 }, 2, 2),
            ["x2"] = Tensor.Create(new float[] { 10, 20, 30, 40 }, 2, 2),
        }, timeout: s_timeout).WaitAsync(s_timeout);

        Assert.Equal([11f, 22f, 33f, 44f], outputs["y"].ToArray<float>());
        Assert.Equal([2L, 2L], outputs["y"].Shape.ToArray());
    }

    [Fact]
    public async Task The_client_reports_the_servers_error_with_its_status()
    {
        using var client = new V2Client(shared.GrpcAddress);

        var wrongType = await Assert.ThrowsAsync<ServingRpcException>(() => client.InferAsync("add.add_common", new Dictionary<string, Tensor>
        {
            ["x1"] = Tensor.Create(new int[] { 1, 2, 3, 4 }, 2, 2),
            ["x2"] = Tensor.Create(new float[] { 1, 2, 3, 4 }, 2, 2),
        }).WaitAsync(s_timeout));
        var unknown = await Assert.ThrowsAsync<ServingRpcException>(() => client.GetModelMetadataAsync("nothing").WaitAsync(s_timeout));

        Assert.Equal(GrpcStatusCode.InvalidArgument, wrongType.StatusCode);
        Assert.Contains("Given model input 0 data type kMSI_Int32 not match the data type kMSI_Float32 defined in model", wrongType.Message);
        Assert.Equal(GrpcStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Infer_with_protocol_v2_prints_the_restful_reply_and_exits_0_or_1_on_a_bad_request()
    {
        var ok = await Tool.SharpServingAsync(["infer", "--address", shared.GrpcAddress, "--protocol", "v2", "--servable", "add", "--method", "add_common",
            "--json", """{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[10.0,20.0],[30.0,40.0]]}"""]);
        var bad = await Tool.SharpServingAsync(["infer", "--address", shared.GrpcAddress, "--protocol", "v2", "--servable", "add", "--method", "add_common",
            "--json", """{"x1":[[1,2],[3,4]],"x2":[[10.0,20.0],[30.0,40.0]]}"""]);

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal("""{"instances":[{"y":[[11.0,22.0],[33.0,44.0]]}]}""", ok.StandardOutput.Trim());
        Assert.True(bad.ExitCode == 1, bad.ToString());
        Assert.Contains("Given model input 0 data type kMSI_Int32 not match", bad.StandardError);
    }
}
