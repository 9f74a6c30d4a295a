using System.Globalization;
using System.Text;

namespace SharpServing.OnnxRuntime.Interop;

/// <summary>Creates native sessions: native session options from <see cref="OrtSessionOptions"/>, then the session.</summary>
internal static unsafe class SessionFactory
{
    public static SessionHandle FromFile(OrtEnvironment environment, string path, OrtSessionOptions options)
    {
        // ORT on Linux takes the path as a null-terminated UTF-8 string.
        var pathBytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, pathBytes);
        return Create(environment, options, (api, env, nativeOptions) =>
        {
            nint session;
            fixed (byte* p = pathBytes)
            {
                api.Check(api.CreateSession(env, p, nativeOptions, &session));
            }
            return session;
        });
    }

    public static SessionHandle FromBytes(OrtEnvironment environment, ReadOnlySpan<byte> model, OrtSessionOptions options)
    {
        fixed (byte* data = model)
        {
            // The span cannot enter a lambda; its pinned address can. ORT copies what it needs before returning.
            var address = (nint)data;
            var length = (nuint)model.Length;
            return Create(environment, options, (api, env, nativeOptions) =>
            {
                nint session;
                api.Check(api.CreateSessionFromArray(env, (void*)address, length, nativeOptions, &session));
                return session;
            });
        }
    }

    private static SessionHandle Create(OrtEnvironment environment, OrtSessionOptions options, Func<OrtApi, nint, nint, nint> create)
    {
        var api = OrtApi.Instance;
        var env = environment.Handle;
        var added = false;
        env.DangerousAddRef(ref added);  // ObjectDisposedException when the environment was disposed
        try
        {
            using var nativeOptions = CreateOptions(api, options);
            var session = create(api, env.Pointer, nativeOptions.Pointer);
            return new SessionHandle(env, session);
        }
        finally
        {
            if (added)
            {
                env.DangerousRelease();
            }
        }
    }

    private static SessionOptionsHandle CreateOptions(OrtApi api, OrtSessionOptions options)
    {
        nint pointer;
        api.Check(api.CreateSessionOptions(&pointer));
        var handle = new SessionOptionsHandle(pointer);
        try
        {
            api.Check(api.SetSessionGraphOptimizationLevel(pointer, (int)options.OptimizationLevel));
            api.Check(api.SetIntraOpNumThreads(pointer, options.IntraOpThreads));
            api.Check(api.SetInterOpNumThreads(pointer, options.InterOpThreads));
            if (options.AllowSpinning is { } spinning)
            {
                var value = spinning ? "1\0"u8 : "0\0"u8;
                fixed (byte* v = value)
                {
                    fixed (byte* k = "session.intra_op.allow_spinning\0"u8)
                    {
                        api.Check(api.AddSessionConfigEntry(pointer, k, v));
                    }
                    fixed (byte* k = "session.inter_op.allow_spinning\0"u8)
                    {
                        api.Check(api.AddSessionConfigEntry(pointer, k, v));
                    }
                }
            }
            if (options.Provider == ExecutionProvider.Cuda)
            {
                AppendCuda(api, pointer, options.DeviceId);
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void AppendCuda(OrtApi api, nint sessionOptions, int deviceId)
    {
        try
        {
            nint cudaPointer;
            api.Check(api.CreateCUDAProviderOptions(&cudaPointer));
            using var cuda = new CudaProviderOptionsHandle(cudaPointer);
            var key = "device_id\0"u8;
            var value = Encoding.ASCII.GetBytes(deviceId.ToString(CultureInfo.InvariantCulture) + "\0");
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                api.Check(api.UpdateCUDAProviderOptions(cudaPointer, &k, &v, 1));
            }
            api.Check(api.SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, cudaPointer));
        }
        catch (OrtException e)
        {
            throw new OrtException(e.Code,
                $"The CUDA execution provider (device {deviceId}) could not be enabled: {e.Message} "
                + "The CUDA provider for ONNX Runtime 1.30 is not installed: it needs libonnxruntime_providers_shared.so and "
                + "libonnxruntime_providers_cuda.so next to libonnxruntime.so, with CUDA 12 and cuDNN 9. Use the CPU provider otherwise.", e);
        }
    }
}
