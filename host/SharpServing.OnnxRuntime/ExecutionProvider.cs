namespace SharpServing.OnnxRuntime;

/// <summary>Where a session runs its kernels.</summary>
public enum ExecutionProvider
{
    /// <summary>ORT's built-in CPU provider; always available.</summary>
    Cpu,

    /// <summary>
    /// NVIDIA GPUs through ORT's CUDA provider, which is a separate library (<c>libonnxruntime_providers_cuda.so</c>);
    /// opening a session fails with an <see cref="OrtException"/> when it is not installed.
    /// </summary>
    Cuda,
}
