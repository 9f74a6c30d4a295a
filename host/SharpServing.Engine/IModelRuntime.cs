namespace SharpServing.Engine;

/// <summary>
/// What the engine needs from an inference runtime: open a model (from its file, or from bytes for a decrypted model) as
/// an <see cref="IModelSession"/>. The engine never touches a runtime library itself; the composition root hands it an
/// implementation (the ONNX Runtime adapter, <c>SharpServing.OnnxRuntime</c>).
/// </summary>
/// <remarks>Implementations are thread-safe: servables load in parallel.</remarks>
public interface IModelRuntime
{
    /// <summary>For logs and diagnostics, e.g. <c>ONNX Runtime 1.32.0</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Why models cannot run on <paramref name="device"/> in this process, or null when they can (as far as can be told
    /// before a session opens). <see cref="DeviceType.Cpu"/> is always available.
    /// </summary>
    string? DeviceUnavailableReason(DeviceType device);

    /// <summary>Opens the model file at <paramref name="path"/>.</summary>
    /// <exception cref="ModelRuntimeException">The runtime cannot load the model or its device; the message says why.</exception>
    IModelSession Open(string path, ModelSessionOptions options);

    /// <summary>Opens a model held in memory (a decrypted model). The runtime copies what it needs: the caller may clear the bytes once this returns.</summary>
    /// <exception cref="ModelRuntimeException">The runtime cannot load the model or its device; the message says why.</exception>
    IModelSession Open(byte[] model, ModelSessionOptions options);
}
