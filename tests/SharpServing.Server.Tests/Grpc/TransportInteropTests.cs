using System.Text.Json.Nodes;
using SharpServing.Server.Hosting;
using SharpServing.Server.Tests.Infrastructure;
using static SharpServing.Server.Tests.Grpc.Wire;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>Unix sockets, message limits, TLS and mutual TLS with Debian's python3-grpcio.</summary>
[Collection(PythonClients.Name)]
public sealed class TransportInteropTests(PythonGrpc python) : IAsyncLifetime
{
    private const int Unavailable = 14;
    private readonly TestPredictor _predictor = new();
    private readonly TempDirectory _folder = new("ss-grpc-");
    private TestCertificates _certificates = null!;

    public async Task InitializeAsync() => _certificates = await TestCertificates.CreateAsync();

    public Task DisposeAsync()
    {
        _certificates.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Unix_socket_serves_and_replaces_a_stale_socket_file()
    {
        var path = _folder.Combine("s1");
        // A socket file whose server is gone (.NET would unlink its own socket file on close; python leaves it).
        await ProcessRunner.RunCheckedAsync(PythonGrpc.Python,
            ["-c", "import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(sys.argv[1])", path], PythonGrpc.Timeout);
        Assert.True(File.Exists(path));

        await using (var host = await TestHosts.StartAsync(_predictor, Addresses.ParseGrpc("unix:" + path)))
        {
            var reply = Reply(Results(await python.PredictAsync(Scenario("unix:" + path, [AddRequest(AddInstance(2))]))).Single());

            Assert.Empty(reply.ErrorMsg);
            Assert.Equal("unix:" + path, host.Address);
        }
    }

    [Fact]
    public async Task Message_over_the_limit_is_resource_exhausted()
    {
        await using var host = await TestHosts.StartAsync(_predictor, maxMsgMbSize: 1);
        var big = AddRequest(Instance(("x1", Filled(1, 1024, 1024)), ("x2", Filled(1, 1024, 1024))));
        var small = AddRequest(AddInstance(1));

        var results = Results(await python.PredictAsync(Scenario(host.Address, [big, small])));

        Assert.Equal(8, Failure(results[0]).Code);
        Assert.Empty(Reply(results[1]).ErrorMsg);
        Assert.Equal(1, _predictor.Calls);
    }

    [Fact]
    public async Task One_way_tls_works_and_a_client_trusting_another_ca_gets_unavailable()
    {
        await using var host = await TestHosts.StartAsync(_predictor, ssl: new SslConfig(_certificates.ServerCertificate, _certificates.ServerKey));

        var trusted = await python.PredictAsync(Scenario(host.Address, [AddRequest(AddInstance(1))], Tls(_certificates.CaCertificate)));
        var untrusted = await python.PredictAsync(Scenario(host.Address, [AddRequest(AddInstance(1))], Tls(_certificates.OtherCaCertificate)));

        Assert.Empty(Reply(Results(trusted).Single()).ErrorMsg);
        Assert.Equal(Unavailable, Failure(Results(untrusted).Single()).Code);
    }

    [Fact]
    public async Task Mutual_tls_needs_a_client_certificate_from_the_custom_ca()
    {
        var ssl = new SslConfig(_certificates.ServerCertificate, _certificates.ServerKey, _certificates.CaCertificate, verifyClient: true);
        await using var host = await TestHosts.StartAsync(_predictor, ssl: ssl);
        var request = AddRequest(AddInstance(1));

        var withCertificate = await python.PredictAsync(Scenario(host.Address, [request],
            Tls(_certificates.CaCertificate, _certificates.ClientCertificate, _certificates.ClientKey)));
        var withoutCertificate = await python.PredictAsync(Scenario(host.Address, [request], Tls(_certificates.CaCertificate)));
        var otherCa = await python.PredictAsync(Scenario(host.Address, [request],
            Tls(_certificates.CaCertificate, _certificates.OtherClientCertificate, _certificates.OtherClientKey)));

        Assert.Empty(Reply(Results(withCertificate).Single()).ErrorMsg);
        Assert.Equal(Unavailable, Failure(Results(withoutCertificate).Single()).Code);
        Assert.Equal(Unavailable, Failure(Results(otherCa).Single()).Code);
        Assert.Equal(1, _predictor.Calls);
    }

    [Fact]
    public async Task Plaintext_client_against_a_tls_server_gets_unavailable()
    {
        await using var host = await TestHosts.StartAsync(_predictor, ssl: new SslConfig(_certificates.ServerCertificate, _certificates.ServerKey));

        var results = Results(await python.PredictAsync(Scenario(host.Address, [AddRequest(AddInstance(1))])));

        Assert.Equal(Unavailable, Failure(results.Single()).Code);
    }

    private static JsonObject Tls(string root, string? certificate = null, string? key = null) => new()
    {
        ["root"] = root,
        ["cert"] = certificate,
        ["key"] = key,
        ["override"] = "localhost",
    };
}
