using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests.V2;

/// <summary>
/// The Open Inference Protocol from independent clients: curl for REST, with every reply validated against the
/// protocol's schemas (python3-jsonschema), and python3-grpcio with stubs generated from our proto. Each script checks
/// every endpoint, every datatype in both forms (JSON and binary, typed and raw contents) giving identical results, and
/// the errors; it prints one line per check and exits non-zero at the first failure.
/// </summary>
public sealed class V2ProtocolTests(V2Server fixture) : IClassFixture<V2Server>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task The_REST_API_passes_every_check_with_curl_and_the_protocol_schema()
    {
        var result = await Tool.RunAsync(RepoPaths.Python, [V2Server.Script("v2_rest_check.py"), fixture.Server.RestAddress, V2Server.Token], timeout: s_timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"\n\d{3} checks passed\n$", result.StandardOutput);
    }

    [Fact]
    public async Task The_gRPC_service_passes_every_check_with_grpcio()
    {
        var result = await Tool.RunAsync(RepoPaths.Python, [V2Server.Script("v2_grpc_check.py"), fixture.Server.GrpcAddress, V2Server.Token], fixture.Stubs,
            s_timeout, new Dictionary<string, string> { ["PYTHONPATH"] = fixture.Stubs });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"\n\d{2,} checks passed\n$", result.StandardOutput);
    }
}
