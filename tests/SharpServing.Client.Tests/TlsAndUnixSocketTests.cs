using ServerSslConfig = SharpServing.Server.Hosting.SslConfig;

namespace SharpServing.ClientTests;

/// <summary>TLS (one-way and mutual) and unix domain sockets against the real server.</summary>
public sealed class TlsAndUnixSocketTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    private static readonly Dictionary<string, object> s_instance = new() { ["x1"] = 1f, ["x2"] = 2f };

    [Fact]
    public async Task OneWayTls_ClientTrustingTheCa_Works()
    {
        await using var server = await TestServer.StartAsync(ssl: new ServerSslConfig(certificates.ServerCertificate, certificates.ServerKey));
        using var byIp = server.NewClient("add", ssl: new SslConfig(customCa: certificates.Ca));
        using var byName = new Client(server.ClientAddress.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), "test", "add", 0,
            new SslConfig(customCa: certificates.Ca)) { Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal(3f, Sum(byIp.Infer(s_instance)));
        Assert.Equal(3f, Sum(byName.Infer(s_instance)));
    }

    [Fact]
    public async Task OneWayTls_WrongCa_IsUnavailable()
    {
        await using var server = await TestServer.StartAsync(ssl: new ServerSslConfig(certificates.ServerCertificate, certificates.ServerKey));
        using var client = server.NewClient("add", ssl: new SslConfig(customCa: certificates.OtherCa));

        var result = client.Infer(s_instance);

        Assert.Equal(GrpcStatusCode.Unavailable, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (14, 'unavailable'), failed to connect to all addresses; last error: ", result.Error);
    }

    [Fact]
    public async Task OneWayTls_SystemRoots_DoNotTrustATestCa()
    {
        await using var server = await TestServer.StartAsync(ssl: new ServerSslConfig(certificates.ServerCertificate, certificates.ServerKey));
        using var client = server.NewClient("add", ssl: new SslConfig());

        Assert.Equal(GrpcStatusCode.Unavailable, client.Infer(s_instance).TransportStatus);
    }

    [Fact]
    public async Task PlaintextClient_AgainstATlsServer_IsUnavailable()
    {
        await using var server = await TestServer.StartAsync(ssl: new ServerSslConfig(certificates.ServerCertificate, certificates.ServerKey));
        using var client = server.NewClient("add");

        var result = client.Infer(s_instance);

        Assert.Equal(GrpcStatusCode.Unavailable, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (14, 'unavailable'), ", result.Error);
    }

    [Fact]
    public async Task TlsClient_AgainstAPlaintextServer_IsUnavailable()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.NewClient("add", ssl: new SslConfig(customCa: certificates.Ca));

        Assert.Equal(GrpcStatusCode.Unavailable, client.Infer(s_instance).TransportStatus);
    }

    [Fact]
    public async Task MutualTls_WithTheClientCertificate_Works()
    {
        await using var server = await TestServer.StartAsync(
            ssl: new ServerSslConfig(certificates.ServerCertificate, certificates.ServerKey, certificates.Ca, verifyClient: true));
        using var client = server.NewClient("add", ssl: new SslConfig(certificates.ClientCertificate, certificates.ClientKey, certificates.Ca));

        Assert.Equal(3f, Sum(client.Infer(s_instance)));
        Assert.Equal(3f, Sum(await client.InferAsync(s_instance).WaitAsync(TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public async Task MutualTls_WithoutAClientCertificate_IsUnavailable()
    {
        await using var server = await TestServer.StartAsync(
            ssl: new ServerSslConfig(certificates.ServerCertificate, certificates.ServerKey, certificates.Ca, verifyClient: true));
        using var client = server.NewClient("add", ssl: new SslConfig(customCa: certificates.Ca));

        var result = client.Infer(s_instance);

        Assert.Equal(GrpcStatusCode.Unavailable, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (14, 'unavailable'), ", result.Error);
    }

    [Fact]
    public async Task UnixSocket_AbsoluteRelativeAndTripleSlashForms_Work()
    {
        // Socket paths are limited to ~107 bytes: a short folder under /tmp.
        var folder = Directory.CreateTempSubdirectory("ss-").FullName;
        try
        {
            var path = Path.Combine(folder, "s1");
            await using var server = await TestServer.StartAsync(unixSocketPath: path);
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);

            foreach (var address in new[] { $"unix:{path}", $"unix://{path}", $"unix:{relative}" })
            {
                using var client = new Client(address, "test", "add") { Timeout = TimeSpan.FromSeconds(30) };
                Assert.Equal(3f, Sum(client.Infer(s_instance)));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task UnixSocket_WithTls_Works()
    {
        var folder = Directory.CreateTempSubdirectory("ss-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync(
                ssl: new ServerSslConfig(certificates.ServerCertificate, certificates.ServerKey), unixSocketPath: Path.Combine(folder, "s"));
            using var client = server.NewClient("add", ssl: new SslConfig(customCa: certificates.Ca));

            Assert.Equal(3f, Sum(client.Infer(s_instance)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void UnixSocket_NobodyListening_IsUnavailable()
    {
        using var client = new Client($"unix:/tmp/ss-none-{Guid.NewGuid():N}", "test", "add") { Timeout = TimeSpan.FromSeconds(30) };

        var result = client.Infer(s_instance);

        Assert.Equal(GrpcStatusCode.Unavailable, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (14, 'unavailable'), failed to connect to all addresses; last error: ", result.Error);
    }

    private static float Sum(InferResult result) => result.EnsureSuccess().Instances[0].GetOutput<Tensor>("y").ToScalar<float>();
}
