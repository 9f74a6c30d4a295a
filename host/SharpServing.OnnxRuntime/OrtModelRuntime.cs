using SharpServing.OnnxRuntime.Internal;

namespace SharpServing.OnnxRuntime;

/// <summary>
/// The engine's <see cref="IModelRuntime"/> over ONNX Runtime: opens <see cref="OrtSession"/>s in the process's
/// <see cref="OrtEnvironment"/>. Stateless and thread-safe; <see cref="Instance"/> is the one to use.
/// </summary>
public sealed class OrtModelRuntime : IModelRuntime
{
    private OrtModelRuntime()
    {
    }

    /// <summary>The runtime. Creating it loads nothing: the native library loads with the first session.</summary>
    public static OrtModelRuntime Instance { get; } = new();

    /// <inheritdoc />
    public string Name => $"ONNX Runtime {OrtEnvironment.Shared.Version}";

    /// <inheritdoc />
    public string? DeviceUnavailableReason(DeviceType device) => device switch
    {
        DeviceType.Cpu => null,
        DeviceType.Gpu => SessionOptionsFactory.CudaUnavailableReason(),
        _ => $"ONNX Runtime runs models on CPU or GPU, not {device}",
    };

    /// <inheritdoc />
    public IModelSession Open(string path, ModelSessionOptions options) => OrtSession.FromFile(path, options);

    /// <inheritdoc />
    public IModelSession Open(byte[] model, ModelSessionOptions options) => OrtSession.FromBytes(model, options);
}
