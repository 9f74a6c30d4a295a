using System.Net;
using SharpServing.Server.Grpc;
using SharpServing.Server.Hosting;
using SharpServing.Server.Tests.Infrastructure;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>Address texts, limits, bind failures and TLS load failures (spec 5.1–5.3).</summary>
public sealed class GrpcHostingTests
{
    [Theory]
    [InlineData("invalid address", "Serving Error: The format of the Serving gRPC address 'invalid address' is illegal")]
    [InlineData(":5500", "Serving Error: Missing ip or port of the Serving gRPC address ':5500'")]
    [InlineData("127.0.0.1:", "Serving Error: Missing ip or port of the Serving gRPC address '127.0.0.1:'")]
    [InlineData("127.0.0.1:55a", "Serving Error: The type of Serving gRPC address '127.0.0.1:55a' port is not a number")]
    [InlineData("127.0.0.1:-1", "Serving Error: The type of Serving gRPC address '127.0.0.1:-1' port is not a number")]
    [InlineData("127.0.0.1:5000000", "Serving Error: The port of the Serving gRPC address '127.0.0.1:5000000' is out of legal range [1 ~ 65535]")]
    [InlineData("127.0.0.1:0", "Serving Error: The port of the Serving gRPC address '127.0.0.1:0' is out of legal range [1 ~ 65535]")]
    [InlineData("127.0.0.1:99999999999999999999", "Serving Error: The port of the Serving gRPC address '127.0.0.1:99999999999999999999' is out of legal range [1 ~ 65535]")]
    [InlineData("unix:", "Serving Error: Empty grpc server unix domain socket address")]
    public void Grpc_address_errors_have_the_exact_texts(string address, string text)
    {
        var error = Assert.Throws<ServerStartException>(() => Addresses.ParseGrpc(address));
        Assert.Equal(text, error.Message);
    }

    [Theory]
    [InlineData("x", "Serving Error: The format of the RESTful server address 'x' is illegal")]
    [InlineData("1.2.3.4:", "Serving Error: Missing ip or port of the RESTful server address '1.2.3.4:'")]
    [InlineData("1.2.3.4:p", "Serving Error: The type of RESTful server address '1.2.3.4:p' port is not a number")]
    [InlineData("1.2.3.4:65536", "Serving Error: The port of the RESTful server address '1.2.3.4:65536' is out of legal range [1 ~ 65535]")]
    [InlineData("unix:x", "Serving Error: RESTful server does not support binding to unix domain socket")]
    public void Restful_address_errors_have_the_exact_texts(string address, string text)
    {
        var error = Assert.Throws<ServerStartException>(() => Addresses.ParseRestful(address));
        Assert.Equal(text, error.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:5500", "127.0.0.1", 5500)]
    [InlineData("[::1]:5500", "::1", 5500)]
    [InlineData("::1:5500", "::1", 5500)]
    [InlineData("0.0.0.0:1", "0.0.0.0", 1)]
    [InlineData("localhost:65535", "localhost", 65535)]
    public void Host_and_port_split_at_the_last_colon(string address, string host, int port)
    {
        var parsed = Addresses.ParseGrpc(address);

        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(address, parsed.Text);
        Assert.True(parsed.TryCreateEndPoint(out var endPoint));
        Assert.Equal(port, ((IPEndPoint)endPoint!).Port);
    }

    [Fact]
    public void Unix_address_keeps_its_path_and_resolves_relative_paths_against_the_working_directory()
    {
        var parsed = Addresses.ParseGrpc("unix:sock-dir-that-does-not-exist/s1");

        Assert.True(parsed.IsUnixSocket);
        Assert.Equal("sock-dir-that-does-not-exist/s1", parsed.UnixSocketPath);
        Assert.False(parsed.TryCreateEndPoint(out _));
        Assert.True(Addresses.ParseGrpc("unix:s1").TryCreateEndPoint(out var endPoint));
        Assert.Equal(Path.GetFullPath("s1"), endPoint!.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(513)]
    public async Task Max_msg_mb_size_outside_1_to_512_is_refused(int size)
    {
        var error = await Assert.ThrowsAsync<ServerStartException>(() => GrpcServerHost.StartAsync(
            "127.0.0.1:5500", size, null, new TestPredictor(), output: TextWriter.Null));

        Assert.Equal("Parameter 'max_msg_mb_size' should be in range [1,512]", error.Message);
    }

    [Theory]
    [InlineData("127.0.256.1:5000")]
    [InlineData("127.0.0.1:5000:5000")]
    [InlineData("example.invalid:5000")]
    [InlineData("unix:/no/such/folder/s1")]
    public async Task Unbindable_addresses_fail_with_create_server_failed(string address)
    {
        var error = await Assert.ThrowsAsync<ServerStartException>(() => GrpcServerHost.StartAsync(
            address, 100, null, new TestPredictor(), output: TextWriter.Null).WaitAsync(TestHosts.Timeout));

        Assert.Equal($"Serving Error: Serving gRPC server start failed, create server failed, address {address}", error.Message);
    }

    [Fact]
    public async Task Port_in_use_fails_with_create_server_failed_and_success_prints_the_startup_line()
    {
        using var output = new StringWriter();
        await using var first = await TestHosts.StartAsync(new TestPredictor(), output: output);
        var address = first.Address;

        var error = await Assert.ThrowsAsync<ServerStartException>(() => GrpcServerHost.StartAsync(
            address, 100, null, new TestPredictor(), output: TextWriter.Null).WaitAsync(TestHosts.Timeout));

        Assert.Equal($"Serving: Serving gRPC server start success, listening on {address}{Environment.NewLine}", output.ToString());
        Assert.Equal($"Serving Error: Serving gRPC server start failed, create server failed, address {address}", error.Message);
    }

    [Fact]
    public async Task Tls_load_failures_have_the_exact_texts()
    {
        using var certificates = await TestCertificates.CreateAsync();
        var missing = Path.Combine(certificates.Folder, "missing.crt");
        var garbage = Path.Combine(certificates.Folder, "garbage.pem");
        await File.WriteAllTextAsync(garbage, "not a pem file");

        Assert.Equal($"Serving Error: load certificate_chain from {missing} failed",
            Assert.Throws<ServerStartException>(() => TlsSetup.CreateHttpsOptions(new SslConfig(missing, certificates.ServerKey))).Message);
        Assert.Equal($"Serving Error: load certificate_chain from {garbage} failed",
            Assert.Throws<ServerStartException>(() => TlsSetup.CreateHttpsOptions(new SslConfig(garbage, certificates.ServerKey))).Message);
        Assert.Equal($"Serving Error: load private_key from {garbage} failed",
            Assert.Throws<ServerStartException>(() => TlsSetup.CreateHttpsOptions(new SslConfig(certificates.ServerCertificate, garbage))).Message);
        Assert.Equal($"Serving Error: private_key is not consistent with certificate {certificates.ServerCertificate}",
            Assert.Throws<ServerStartException>(() => TlsSetup.CreateHttpsOptions(new SslConfig(certificates.ServerCertificate, certificates.ClientKey))).Message);
        var options = TlsSetup.CreateHttpsOptions(new SslConfig(certificates.ServerCertificate, certificates.ServerKey, certificates.CaCertificate, verifyClient: true));
        Assert.True(options.ServerCertificate!.HasPrivateKey);
        Assert.Equal(Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate, options.ClientCertificateMode);
    }

    [Fact]
    public void Mutual_tls_needs_a_custom_ca()
    {
        var error = Assert.Throws<ArgumentException>(() => new SslConfig("a.crt", "a.key", verifyClient: true));

        Assert.StartsWith("Parameter 'custom_ca' should be set when 'verify_client' is True", error.Message);
    }
}
