using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SharpServing.Server.Hosting;
using SharpServing.Server.Rest;
using SharpServing.Server.Tests.Infrastructure;

namespace SharpServing.Server.Tests.Rest;

/// <summary>HTTPS and mutual TLS with certificates made by openssl (specification 5.3).</summary>
public sealed class RestTlsTests : IAsyncLifetime
{
    private const string Example = "{\"instances\":{\"x1\":[[1.0,1.0],[1.0,1.0]],\"x2\":[[1.0,1.0],[1.0,1.0]]}}";
    private const string ExampleReply = "{\"instances\":[{\"y\":[[2.0,2.0],[2.0,2.0]]}]}";
    private TestCertificates? _certificates;

    private TestCertificates Certificates => _certificates!;

    public async Task InitializeAsync() => _certificates = await TestCertificates.CreateAsync().WaitAsync(RestServerFixture.Timeout);

    public Task DisposeAsync()
    {
        _certificates?.Dispose();
        return Task.CompletedTask;
    }

    private static HttpClient Client(string trustedCa, string? clientCertificate = null, string? clientKey = null)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(trustedCa);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is X509Certificate2 leaf && chain.Build(leaf);
                },
            },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(clientCertificate, clientKey)];
        }
        return new HttpClient(handler) { Timeout = RestServerFixture.Timeout };
    }

    private static Task<RestResponse> PostAsync(HttpClient client, RestServer server, bool http2 = false)
        => RestServerFixture.SendAsync(client, $"https://127.0.0.1:{server.Port}/model/add:add_common",
            new ByteArrayContent(Encoding.UTF8.GetBytes(Example)), http2);

    [Fact]
    public async Task OneWayTls_ServesHttp11AndHttp2_ToAClientTrustingTheCa()
    {
        await using var server = await RestServerFixture.StartAsync(new RestTestPredictor(), ssl: new SslConfig(Certificates.ServerCertificate, Certificates.ServerKey));
        using var client = Client(Certificates.CaCertificate);

        var http11 = await PostAsync(client, server);
        Assert.Equal(ExampleReply, http11.Body);
        Assert.Equal("Client", http11.ReasonPhrase);
        Assert.Equal(HttpVersion.Version11, http11.Version);

        var http2 = await PostAsync(client, server, http2: true);
        Assert.Equal(ExampleReply, http2.Body);
        Assert.Equal(HttpVersion.Version20, http2.Version);
    }

    [Fact]
    public async Task OneWayTls_ClientTrustingAnotherCa_Fails()
    {
        await using var server = await RestServerFixture.StartAsync(new RestTestPredictor(), ssl: new SslConfig(Certificates.ServerCertificate, Certificates.ServerKey));
        using var client = Client(Certificates.OtherCaCertificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, server));
    }

    [Fact]
    public async Task MutualTls_RequiresAClientCertificateFromTheCustomCa()
    {
        var ssl = new SslConfig(Certificates.ServerCertificate, Certificates.ServerKey, Certificates.CaCertificate, verifyClient: true);
        await using var server = await RestServerFixture.StartAsync(new RestTestPredictor(), ssl: ssl);

        using (var good = Client(Certificates.CaCertificate, Certificates.ClientCertificate, Certificates.ClientKey))
        {
            Assert.Equal(ExampleReply, (await PostAsync(good, server)).Body);
            Assert.Equal(ExampleReply, (await PostAsync(good, server, http2: true)).Body);
        }
        using (var anonymous = Client(Certificates.CaCertificate))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(anonymous, server));
        }
        using (var stranger = Client(Certificates.CaCertificate, Certificates.OtherClientCertificate, Certificates.OtherClientKey))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(stranger, server));
        }
    }

    [Fact]
    public async Task Curl_OnlyTheSpecifiedCipherSuitesAndTls12Plus()
    {
        await using var server = await RestServerFixture.StartAsync(new RestTestPredictor(), ssl: new SslConfig(Certificates.ServerCertificate, Certificates.ServerKey));
        var url = $"https://127.0.0.1:{server.Port}/model/add:add_common";
        Task<ProcessRunner.Result> Curl(params string[] options)
            => ProcessRunner.RunAsync("curl", ["-sS", "--max-time", "20", "--cacert", Certificates.CaCertificate, .. options, "-d", Example, url], RestServerFixture.Timeout);

        var tls13 = await Curl();
        Assert.Equal(0, tls13.ExitCode);
        Assert.Equal(ExampleReply, tls13.StandardOutput);

        var gcm = await Curl("--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256");
        Assert.Equal(0, gcm.ExitCode);
        Assert.Equal(ExampleReply, gcm.StandardOutput);

        var chacha = await Curl("--tls-max", "1.2", "--ciphers", "ECDHE-RSA-CHACHA20-POLY1305");
        Assert.Equal(0, chacha.ExitCode);

        // CBC suites and plain-RSA key exchange are outside the policy: the handshake fails (curl exit 35).
        var cbc = await Curl("--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA");
        Assert.Equal(35, cbc.ExitCode);
        var rsa = await Curl("--tls-max", "1.2", "--ciphers", "AES128-GCM-SHA256");
        Assert.Equal(35, rsa.ExitCode);
    }
}
