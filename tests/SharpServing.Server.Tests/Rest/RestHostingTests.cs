using System.Net;
using System.Net.Sockets;
using SharpServing.Server.Hosting;
using SharpServing.Server.Rest;
using SharpServing.Tests.Shared;

namespace SharpServing.Server.Tests.Rest;

/// <summary>Starting the RESTful server: address and limit validation, bind failures, the startup line (specification 5.1, 5.2, 10.23).</summary>
public sealed class RestHostingTests
{
    private static readonly TimeSpan s_timeout = RestServerFixture.Timeout;

    private static async Task<string> StartFailureAsync(string address, int maxMsgMbSize = 100, SslConfig? ssl = null)
    {
        var output = new StringWriter();
        var error = await Assert.ThrowsAsync<ServerStartException>(
            () => RestServerHost.StartAsync(address, maxMsgMbSize, ssl, new RestTestPredictor(), null, output).WaitAsync(s_timeout));
        Assert.Equal("", output.ToString());
        return error.Message;
    }

    [Theory]
    [InlineData("unix:x", "Serving Error: RESTful server does not support binding to unix domain socket")]
    [InlineData("unix:", "Serving Error: RESTful server does not support binding to unix domain socket")]
    [InlineData("127.0.0.1:5000000", "Serving Error: The port of the RESTful server address '127.0.0.1:5000000' is out of legal range [1 ~ 65535]")]
    [InlineData("127.0.0.1:0", "Serving Error: The port of the RESTful server address '127.0.0.1:0' is out of legal range [1 ~ 65535]")]
    [InlineData("invalid address", "Serving Error: The format of the RESTful server address 'invalid address' is illegal")]
    [InlineData(":5000", "Serving Error: Missing ip or port of the RESTful server address ':5000'")]
    [InlineData("127.0.0.1:", "Serving Error: Missing ip or port of the RESTful server address '127.0.0.1:'")]
    [InlineData("127.0.0.1:5a", "Serving Error: The type of RESTful server address '127.0.0.1:5a' port is not a number")]
    [InlineData("127.0.256.1:5000", "Serving Error: RESTful server start failed, bind to the socket address 127.0.256.1:5000 failed")]
    [InlineData("127.0.0.1:5000:5000", "Serving Error: RESTful server start failed, bind to the socket address 127.0.0.1:5000:5000 failed")]
    [InlineData("example.invalid:5000", "Serving Error: RESTful server start failed, bind to the socket address example.invalid:5000 failed")]
    public async Task BadAddress_Fails_WithTheSpecText(string address, string expected)
    {
        Assert.Equal(expected, await StartFailureAsync(address));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(513)]
    [InlineData(-1)]
    public async Task MaxMsgMbSize_OutOfRange_Fails(int size)
    {
        Assert.Equal("Parameter 'max_msg_mb_size' should be in range [1,512]", await StartFailureAsync("127.0.0.1:5500", size));
    }

    [Fact]
    public async Task PortInUse_FailsWithTheBindText()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var address = $"127.0.0.1:{((IPEndPoint)occupant.LocalEndpoint).Port}";

        Assert.Equal($"Serving Error: RESTful server start failed, bind to the socket address {address} failed", await StartFailureAsync(address));
    }

    [Fact]
    public async Task MissingCertificate_FailsWithTheTlsText()
    {
        using var folder = new Infrastructure.TempDirectory("ss-rest-tls-");
        var certificate = folder.Combine("missing.crt");

        Assert.Equal($"Serving Error: load certificate_chain from {certificate} failed",
            await StartFailureAsync("127.0.0.1:5500", ssl: new SslConfig(certificate, folder.Combine("missing.key"))));
    }

    [Fact]
    public async Task Start_PrintsTheStartupLine_Serves_AndReleasesThePortOnDispose()
    {
        var port = FreePort.Next();
        var output = new StringWriter();

        var server = await RestServerHost.StartAsync($"127.0.0.1:{port}", 100, null, new RestTestPredictor(), null, output).WaitAsync(s_timeout);
        try
        {
            Assert.Equal($"Serving: Serving RESTful server start success, listening on 127.0.0.1:{port}{Environment.NewLine}", output.ToString());
            Assert.Equal($"127.0.0.1:{port}", server.Address);
            Assert.Equal(port, server.Port);
            using var client = new HttpClient { Timeout = s_timeout };
            var reply = await RestServerFixture.SendAsync(client, $"http://127.0.0.1:{port}/model/echo:m", new StringContent("{\"instances\":{\"a\":1}}"));
            Assert.Equal("{\"instances\":[{\"a\":1}]}", reply.Body);
        }
        finally
        {
            await server.DisposeAsync().AsTask().WaitAsync(s_timeout);
        }

        // The listening socket must be gone; a connection the server closed may still sit in TIME_WAIT on the port,
        // which SO_REUSEADDR allows (as Kestrel itself binds), while a live listener would still refuse the bind.
        using var again = new TcpListener(IPAddress.Loopback, port);
        again.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        again.Start();
    }

    [Fact]
    public async Task PortZero_ReportsTheBoundPort()
    {
        var output = new StringWriter();

        await using var server = await RestServerHost.StartAsync(
            ListenAddress.Tcp(IPAddress.Loopback, 0), new RestOptions { MaxMessageMbSize = 1 }, null, new RestTestPredictor(), null, output, CancellationToken.None)
            .WaitAsync(s_timeout);

        Assert.NotEqual(0, server.Port);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, server.Port), server.LocalEndPoint);
        Assert.Equal($"127.0.0.1:{server.Port}", server.Address);
        Assert.Equal($"Serving: Serving RESTful server start success, listening on {server.Address}{Environment.NewLine}", output.ToString());
    }
}
