namespace SharpServing.OnnxRuntime.Tests;

/// <summary>
/// A test that needs a GPU: skipped, with the reason in the test report, unless an NVIDIA GPU is visible and the build
/// has ONNX Runtime's CUDA provider (-p:SharpServingCuda=true).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (SkipReason() is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? SkipReason()
    {
        if (!File.Exists("/dev/nvidia0") && !File.Exists("/dev/nvidiactl"))
        {
            return "No NVIDIA GPU is visible (/dev/nvidia0 is missing): the CUDA tests run only where one is.";
        }
        return OrtModelRuntime.Instance.DeviceUnavailableReason(DeviceType.Gpu) is { } reason
            ? $"A GPU is visible but {reason}."
            : null;
    }
}
