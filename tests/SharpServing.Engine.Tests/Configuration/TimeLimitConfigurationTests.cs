using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Tests.Configuration;

/// <summary>The load, drain and request time limits: JSON names, defaults, ranges, and what a servable's executor gets.</summary>
public sealed class TimeLimitConfigurationTests
{
    private static ServingConfiguration Parse(string json) => ServingConfiguration.Parse(json, Path.GetTempPath());

    [Fact]
    public void The_defaults_are_five_minutes_to_load_thirty_seconds_to_drain_and_sixty_seconds_per_request()
    {
        var configuration = new ServingConfiguration();

        Assert.Equal(TimeSpan.FromMinutes(5), configuration.LoadTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), configuration.DrainTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), configuration.RequestTimeout);
        Assert.Empty(configuration.MethodTimeouts);
    }

    [Fact]
    public void The_limits_are_read_from_json_and_0_means_no_request_limit()
    {
        var configuration = Parse("""
            { "servables_root": "servables", "load_timeout_ms": 2000, "drain_timeout_ms": 0, "request_timeout_ms": 0,
              "method_timeouts_ms": { "ocr.recognize": 20000, "add.add_common": 0 } }
            """);

        Assert.Equal(TimeSpan.FromSeconds(2), configuration.LoadTimeout);
        Assert.Equal(TimeSpan.Zero, configuration.DrainTimeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, configuration.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), configuration.MethodTimeouts["ocr.recognize"]);
        Assert.Equal(Timeout.InfiniteTimeSpan, configuration.MethodTimeouts["add.add_common"]);
    }

    [Theory]
    [InlineData("""{ "servables_root": "s", "load_timeout_ms": 50 }""", "load_timeout_ms: Parameter 'load_timeout_ms' should be in range [100,86400000], but actually 50")]
    [InlineData("""{ "servables_root": "s", "drain_timeout_ms": -1 }""", "drain_timeout_ms: Parameter 'drain_timeout_ms' should be in range [0,3600000], but actually -1")]
    [InlineData("""{ "servables_root": "s", "request_timeout_ms": -5 }""", "request_timeout_ms: should be in range [0,86400000] (0: no limit), but actually -5")]
    [InlineData("""{ "servables_root": "s", "method_timeouts_ms": { "add": 1000 } }""", "method_timeouts_ms.add: the key should be 'servable.method'")]
    [InlineData("""{ "servables_root": "s", "method_timeouts_ms": { "add.m": 86400001 } }""", "method_timeouts_ms.add.m: should be in range [0,86400000] (0: no limit), but actually 86400001")]
    [InlineData("""{ "servables_root": "s", "method_timeouts_ms": [] }""", "method_timeouts_ms: should be an object, but actually array")]
    public void A_limit_out_of_range_is_refused_naming_the_setting(string json, string expected)
        => Assert.Equal(expected, Assert.Throws<ServingConfigurationException>(() => Parse(json)).Message);

    [Fact]
    public void A_servable_gets_its_own_method_limits_and_the_request_and_drain_defaults()
    {
        var configuration = new ServingConfiguration { ServablesRoot = "s", DrainTimeout = TimeSpan.FromSeconds(3), RequestTimeout = TimeSpan.FromSeconds(7) };
        configuration.MethodTimeouts["ocr.recognize"] = TimeSpan.FromSeconds(20);
        configuration.MethodTimeouts["add.add_common"] = TimeSpan.FromSeconds(1);

        var options = configuration.ExecutionOptionsFor("ocr", parallelWorkers: 2);

        Assert.Equal(TimeSpan.FromSeconds(3), options.DrainTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), options.RequestTimeout);
        Assert.Equal(2, options.ParallelWorkers);
        Assert.Equal(new Dictionary<string, TimeSpan> { ["recognize"] = TimeSpan.FromSeconds(20) }, options.MethodTimeouts);
        var registered = new MethodDefinition("recognize", ["image"], ["text"], [], []) { Timeout = TimeSpan.FromSeconds(90) };
        var plain = new MethodDefinition("detect", ["image"], ["boxes"], [], []);
        var own = new MethodDefinition("classify", ["image"], ["label"], [], []) { Timeout = TimeSpan.FromSeconds(90) };
        Assert.Equal(TimeSpan.FromSeconds(20), options.TimeLimitOf(registered));
        Assert.Equal(TimeSpan.FromSeconds(7), options.TimeLimitOf(plain));
        Assert.Equal(TimeSpan.FromSeconds(90), options.TimeLimitOf(own));
    }
}
