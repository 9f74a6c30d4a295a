using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Tests.Configuration;

public sealed class IsolationConfigurationTests
{
    private static ServingConfiguration Parse(string json) => ServingConfiguration.Parse(json, Path.GetTempPath());

    [Fact]
    public void Without_the_setting_every_servable_runs_in_process()
    {
        var configuration = Parse("""{"servables_root": "s"}""");

        Assert.Equal(IsolationMode.InProcess, configuration.Isolation.ModeOf("add"));
        Assert.False(configuration.Isolation.Any);
        Assert.Equal(0, configuration.Isolation.MemoryLimitMb);
        Assert.Null(configuration.Isolation.RequestTimeLimit);
    }

    [Fact]
    public void The_global_mode_the_limits_and_a_servable_entry_are_read()
    {
        var configuration = Parse("""
            {
              "servables_root": "s",
              "isolation": "process",
              "worker_memory_limit_mb": 512,
              "worker_time_limit_ms": 5000,
              "servables": [{"name": "add", "isolation": "in-process"}, {"name": "ocr"}]
            }
            """);

        Assert.Equal(IsolationMode.InProcess, configuration.Isolation.ModeOf("add"));
        Assert.Equal(IsolationMode.Process, configuration.Isolation.ModeOf("ocr"));
        Assert.True(configuration.Isolation.Any);
        Assert.Equal(512, configuration.Isolation.MemoryLimitMb);
        Assert.Equal(TimeSpan.FromSeconds(5), configuration.Isolation.RequestTimeLimit);
    }

    [Theory]
    [InlineData("""{"servables_root": "s", "isolation": "container"}""", "isolation: isolation should be 'process' or 'in-process', not 'container'")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "isolation": "vm"}]}""", "servables[0].isolation: isolation should be 'process' or 'in-process', not 'vm'")]
    [InlineData("""{"servables_root": "s", "worker_memory_limit_mb": -1}""", "worker_memory_limit_mb: Parameter 'worker_memory_limit_mb' should be in range [0,1048576], but actually -1")]
    [InlineData("""{"servables_root": "s", "worker_time_limit_ms": 0}""", "worker_time_limit_ms: Parameter 'worker_time_limit_ms' should be in range [1,86400000], but actually 0")]
    public void A_bad_isolation_setting_is_named_in_the_error(string json, string expected)
    {
        var error = Assert.Throws<ServingConfigurationException>(() => Parse(json));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Restart_delays_are_bounded()
    {
        var options = new IsolationOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.RestartDelay = TimeSpan.FromMilliseconds(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRestartDelay = TimeSpan.FromHours(1));
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.RestartDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxRestartDelay);
    }
}
