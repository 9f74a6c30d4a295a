using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace SharpServing.OnnxRuntime.Internal;

/// <summary>Turns the engine's <see cref="ModelSessionOptions"/> into the package's <see cref="SessionOptions"/>.</summary>
internal static class SessionOptionsFactory
{
    /// <summary>The CUDA libraries ORT's CUDA provider (1.32, CUDA 13 build) loads, and where they come from.</summary>
    private static readonly (string Library, string Package)[] s_cudaLibraries =
    [
        ("libcuda.so.1", "the NVIDIA driver"),
        ("libcudart.so.13", "CUDA 13 runtime (cuda-cudart-13)"),
        ("libcublasLt.so.13", "CUDA 13 cuBLAS (libcublas-13)"),
        ("libcublas.so.13", "CUDA 13 cuBLAS (libcublas-13)"),
        ("libcudnn.so.9", "cuDNN 9 for CUDA 13 (cudnn9-cuda-13)"),
    ];

    /// <summary>Options for one session; the caller disposes them once the session is open.</summary>
    /// <exception cref="ModelDeviceException">A GPU was asked for and the CUDA provider cannot be used.</exception>
    public static SessionOptions Create(ModelSessionOptions options)
    {
        SessionOptions result;
        if (options.Device == DeviceType.Gpu)
        {
            if (CudaUnavailableReason() is { } reason)
            {
                throw new ModelDeviceException(reason);
            }
            try
            {
                result = SessionOptions.MakeSessionOptionWithCudaProvider(options.DeviceId);
            }
            catch (OnnxRuntimeException e)
            {
                throw CudaFailed(options.DeviceId, e);
            }
        }
        else
        {
            result = new SessionOptions();
        }
        try
        {
            result.LogId = "SharpServing";
            // 0 (ORT's choice) is given as ORT's own default, one thread per physical core: the same threads without
            // ORT's pinning of each worker to a core (ProcessorCores says why).
            result.IntraOpNumThreads = options.IntraOpThreads == 0 ? ProcessorCores.Physical : options.IntraOpThreads;
            result.InterOpNumThreads = options.InterOpThreads;
            result.GraphOptimizationLevel = options.OptimizationLevel switch
            {
                ModelOptimizationLevel.None => GraphOptimizationLevel.ORT_DISABLE_ALL,
                ModelOptimizationLevel.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                ModelOptimizationLevel.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            if (options.AllowSpinning is bool spinning)
            {
                var value = spinning ? "1" : "0";
                result.AddSessionConfigEntry("session.intra_op.allow_spinning", value);
                result.AddSessionConfigEntry("session.inter_op.allow_spinning", value);
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Why the CUDA provider cannot be used in this build, or null when the build has it.</summary>
    public static string? CudaUnavailableReason()
        => OrtEnvironment.Shared.HasCudaProvider
            ? null
            : "the CUDA execution provider of ONNX Runtime is not in this build: it was built with the CPU-only package "
              + "Microsoft.ML.OnnxRuntime (providers: " + string.Join(", ", OrtEnvironment.Shared.AvailableProviders) + "); "
              + "build with -p:SharpServingCuda=true (or SHARPSERVING_CUDA=1 for ./serve.sh, ./test.sh and ./bench.sh) to use "
              + "Microsoft.ML.OnnxRuntime.Gpu.Linux, see docs/cuda.md";

    /// <summary>The error for a CUDA provider that is in the build but did not start: names the CUDA libraries that cannot be loaded.</summary>
    public static ModelDeviceException CudaFailed(int deviceId, Exception e)
    {
        var missing = s_cudaLibraries.Where(l => !CanLoad(l.Library)).Select(l => $"{l.Library} ({l.Package})").ToList();
        var libraries = missing.Count > 0
            ? $" These libraries cannot be loaded: {string.Join(", ", missing)}; install them or add their folder to LD_LIBRARY_PATH."
            : "";
        var detail = e.Message.TrimEnd();
        return new ModelDeviceException(
            $"the CUDA execution provider of ONNX Runtime could not start on device {deviceId}: {detail}{(detail.EndsWith('.') ? "" : ".")}{libraries} "
            + "It needs an NVIDIA GPU with its driver, CUDA 13 (libcudart, libcublas) and cuDNN 9.", e);
    }

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            return false;
        }
        NativeLibrary.Free(handle);
        return true;
    }
}
