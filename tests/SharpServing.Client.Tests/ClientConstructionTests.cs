namespace SharpServing.ClientTests;

public sealed class ClientConstructionTests
{
    [Theory]
    [InlineData(null, "add", "add_common", "Parameter 'address' should be str, but actually null")]
    [InlineData("", "add", "add_common", "Parameter 'address' should not be empty str")]
    [InlineData("127.0.0.1:5500", null, "add_common", "Parameter 'servable_name' should be str, but actually null")]
    [InlineData("127.0.0.1:5500", "", "add_common", "Parameter 'servable_name' should not be empty str")]
    [InlineData("127.0.0.1:5500", "add", null, "Parameter 'method_name' should be str, but actually null")]
    [InlineData("127.0.0.1:5500", "add", "", "Parameter 'method_name' should not be empty str")]
    // Checked in order: the address first.
    [InlineData(null, null, null, "Parameter 'address' should be str, but actually null")]
    [InlineData("127.0.0.1:5500", "", null, "Parameter 'servable_name' should not be empty str")]
    public void Constructor_BadStrings_ThrowWithTheClientText(string? address, string? servable, string? method, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new Client(address!, servable!, method!));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Constructor_NegativeVersion_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Client("127.0.0.1:5500", "add", "add_common", -1));
        Assert.Equal("Parameter 'version_number' should be >= 0", e.Message);
    }

    [Fact]
    public void Constructor_StringsAreCheckedBeforeTheVersion()
    {
        var e = Assert.Throws<ArgumentException>(() => new Client("127.0.0.1:5500", "add", "", -1));
        Assert.Equal("Parameter 'method_name' should not be empty str", e.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:5500")]
    [InlineData("localhost:5500")]
    [InlineData("[::1]:5500")]
    [InlineData("unix:sock/s1")]
    [InlineData("unix:///tmp/s1")]
    [InlineData("invalid address")]
    public void Constructor_DoesNotValidateTheAddress(string address)
    {
        using var client = new Client(address, "add", "add_common", 3);
        Assert.Equal(address, client.Address);
        Assert.Equal("add", client.ServableName);
        Assert.Equal("add_common", client.MethodName);
        Assert.Equal(3, client.VersionNumber);
    }

    [Fact]
    public void Infer_AddressThatIsNotHostPort_ReturnsUnavailable()
    {
        using var client = new Client("invalid address", "add", "add_common");

        var result = client.Infer(new Dictionary<string, object> { ["x"] = 1.0f });

        Assert.True(result.IsRequestError);
        Assert.Equal(GrpcStatusCode.Unavailable, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (14, 'unavailable'), DNS resolution failed for invalid address", result.Error);
    }

    [Fact]
    public void Timeout_DefaultsToInfinite_AndRefusesZeroOrNegative()
    {
        using var client = new Client("127.0.0.1:5500", "add", "add_common");
        Assert.Equal(Timeout.InfiniteTimeSpan, client.Timeout);

        Assert.Throws<ArgumentOutOfRangeException>(() => client.Timeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Timeout = TimeSpan.FromSeconds(-2));
        client.Timeout = TimeSpan.FromSeconds(3);
        Assert.Equal(TimeSpan.FromSeconds(3), client.Timeout);
    }

    [Theory]
    [InlineData("", null, null, "Parameter 'certificate' should not be empty str")]
    [InlineData("c.pem", "", null, "Parameter 'private_key' should not be empty str")]
    [InlineData(null, null, "", "Parameter 'custom_ca' should not be empty str")]
    [InlineData("c.pem", null, null, "The certificate and private_key should be passed at the same time")]
    [InlineData(null, "k.pem", "ca.pem", "The certificate and private_key should be passed at the same time")]
    public void SslConfig_BadArguments_Throw(string? certificate, string? privateKey, string? customCa, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new SslConfig(certificate, privateKey, customCa));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void SslConfig_AllNull_MeansSystemRootsWithoutClientCertificate()
    {
        var ssl = new SslConfig();
        Assert.Null(ssl.Certificate);
        Assert.Null(ssl.PrivateKey);
        Assert.Null(ssl.CustomCa);
        using var client = new Client("localhost:5500", "add", "add_common", 0, ssl);
    }

    [Fact]
    public void Constructor_ReadsTheSslFiles()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.pem");

        Assert.ThrowsAny<IOException>(() => new Client("localhost:5500", "add", "add_common", 0, new SslConfig(customCa: missing)));
        Assert.ThrowsAny<IOException>(() => new Client("localhost:5500", "add", "add_common", 0, new SslConfig(missing, missing)));
    }
}
