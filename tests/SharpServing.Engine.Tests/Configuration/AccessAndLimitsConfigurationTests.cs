using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Tests.Configuration;

/// <summary>The control API, request limits and observability settings: JSON names, defaults and ranges.</summary>
public sealed class AccessAndLimitsConfigurationTests
{
    private static ServingConfiguration Parse(string json) => ServingConfiguration.Parse(json, "/srv/config");

    [Fact]
    public void The_defaults_serve_no_control_API_and_budget_a_GiB_of_requests_with_kestrels_stream_and_rate_limits()
    {
        var configuration = new ServingConfiguration();

        Assert.Null(configuration.Admin.Address);
        Assert.Null(configuration.Admin.TokenFile);
        Assert.Empty(configuration.Admin.AllowedHosts);
        Assert.Equal(1024, configuration.Limits.MaxInflightMb);
        Assert.Equal(1024L << 20, configuration.Limits.MaxInflightBytes);
        Assert.Equal(10000, configuration.Limits.MaxConnections);
        Assert.Equal(100, configuration.Limits.Http2MaxStreams);
        Assert.Equal(240, configuration.Limits.MinRequestBodyBytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(60), configuration.Limits.RequestBodyTimeout);
        Assert.True(configuration.Metrics);
        Assert.Null(configuration.MetricsAddress);
        Assert.Equal("Information", configuration.LogLevel);
        Assert.Equal(TimeSpan.Zero, configuration.DrainDelay);
    }

    [Fact]
    public void Every_setting_is_read_from_json()
    {
        var configuration = Parse("""
            { "servables_root": "servables", "admin_address": "unix:/run/sharpserving/admin.sock", "admin_token_file": "token",
              "admin_allowed_hosts": ["serving.internal"], "max_inflight_mb": 512, "max_connections": 64, "http2_max_streams": 32,
              "min_request_body_bytes_per_second": 1000, "request_body_timeout_ms": 5000,
              "metrics": true, "metrics_address": "127.0.0.1:9464", "access_log": true, "otlp_endpoint": "http://127.0.0.1:4317",
              "drain_delay_ms": 2000, "log_level": "Warning" }
            """);

        Assert.Equal("unix:/run/sharpserving/admin.sock", configuration.Admin.Address);
        Assert.Equal("/srv/config/token", configuration.Admin.TokenFile);
        Assert.Equal(["serving.internal"], configuration.Admin.AllowedHosts);
        Assert.Equal(512, configuration.Limits.MaxInflightMb);
        Assert.Equal(64, configuration.Limits.MaxConnections);
        Assert.Equal(32, configuration.Limits.Http2MaxStreams);
        Assert.Equal(1000, configuration.Limits.MinRequestBodyBytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), configuration.Limits.RequestBodyTimeout);
        Assert.Equal("127.0.0.1:9464", configuration.MetricsAddress);
        Assert.True(configuration.AccessLog);
        Assert.Equal(new Uri("http://127.0.0.1:4317"), configuration.OtlpEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(2), configuration.DrainDelay);
        Assert.Equal("Warning", configuration.LogLevel);
    }

    [Theory]
    [InlineData("""{ "servables_root": "s", "max_inflight_mb": 0 }""", "max_inflight_mb: Parameter 'max_inflight_mb' should be in range [1,1048576], but actually 0")]
    [InlineData("""{ "servables_root": "s", "max_connections": 0 }""", "max_connections: Parameter 'max_connections' should be in range [1,1000000], but actually 0")]
    [InlineData("""{ "servables_root": "s", "http2_max_streams": 5000 }""", "http2_max_streams: Parameter 'http2_max_streams' should be in range [1,1000], but actually 5000")]
    [InlineData("""{ "servables_root": "s", "request_body_timeout_ms": 10 }""", "request_body_timeout_ms: Parameter 'request_body_timeout_ms' should be in range [1000,3600000], but actually 10")]
    [InlineData("""{ "servables_root": "s", "otlp_endpoint": "udp://x" }""", "otlp_endpoint: should be an http:// or https:// address, but actually 'udp://x'")]
    [InlineData("""{ "servables_root": "s", "log_level": "Loud" }""", "log_level: Parameter 'log_level' should be one of Trace, Debug, Information, Warning, Error, Critical, None, but actually 'Loud'")]
    [InlineData("""{ "servables_root": "s", "admin_allowed_hosts": "x" }""", "admin_allowed_hosts: should be an array of host names, but actually string")]
    public void Bad_values_fail_naming_the_setting(string json, string message)
    {
        var error = Assert.Throws<ServingConfigurationException>(() => Parse(json));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void The_token_comes_from_the_file_trimmed_and_an_empty_file_is_an_error()
    {
        var file = Path.GetTempFileName();
        try
        {
            var admin = new AdminConfiguration { TokenFile = file };
            File.WriteAllText(file, "  abc123\n");
            Assert.Equal("abc123", admin.ReadToken());
            File.WriteAllText(file, "\n");
            Assert.Contains("is empty", Assert.Throws<ServingConfigurationException>(() => admin.ReadToken()).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
