namespace SharpServing.OnnxRuntime.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void Shared_environment_reports_the_installed_library_version_and_the_cpu_provider()
    {
        var env = OrtEnvironment.Shared;

        Assert.StartsWith("1.30", env.Version, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", env.AvailableProviders);
        Assert.Same(env, OrtEnvironment.Shared);
        Assert.Equal(OrtLogLevel.Warning, env.LogLevel);
        Assert.StartsWith("ORT Build Info", OrtEnvironment.BuildInfo, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_after_the_environment_exists_throws()
    {
        _ = OrtEnvironment.Shared;

        var e = Assert.Throws<InvalidOperationException>(() => OrtEnvironment.Configure(OrtLogLevel.Verbose));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_rejects_an_undefined_level()
        => Assert.Throws<ArgumentOutOfRangeException>(() => OrtEnvironment.Configure((OrtLogLevel)42));
}
