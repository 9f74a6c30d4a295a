using Microsoft.ML.OnnxRuntime;

namespace SharpServing.OnnxRuntime.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void Shared_environment_reports_the_package_version_and_the_cpu_provider()
    {
        var env = OrtEnvironment.Shared;

        Assert.StartsWith("1.32", env.Version, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", env.AvailableProviders);
        Assert.Same(env, OrtEnvironment.Shared);
        Assert.Equal(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, env.LogLevel);
        Assert.Equal($"ONNX Runtime {env.Version}", OrtModelRuntime.Instance.Name);
    }

    [Fact]
    public void The_cuda_provider_is_there_exactly_when_the_build_asked_for_the_gpu_package()
    {
        var cudaBuild = typeof(OrtEnvironment).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "SharpServingCuda").Value == "true";

        Assert.Equal(cudaBuild, OrtEnvironment.Shared.HasCudaProvider);
        Assert.Equal(cudaBuild, OrtModelRuntime.Instance.DeviceUnavailableReason(DeviceType.Gpu) is null);
        Assert.Null(OrtModelRuntime.Instance.DeviceUnavailableReason(DeviceType.Cpu));
    }

    [Fact]
    public void Configure_after_the_environment_exists_throws()
    {
        _ = OrtEnvironment.Shared;

        var e = Assert.Throws<InvalidOperationException>(() => OrtEnvironment.Configure(OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_rejects_an_undefined_level()
        => Assert.Throws<ArgumentOutOfRangeException>(() => OrtEnvironment.Configure((OrtLoggingLevel)42));
}
