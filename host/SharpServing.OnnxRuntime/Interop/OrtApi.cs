using System.Runtime.InteropServices;

namespace SharpServing.OnnxRuntime.Interop;

/// <summary>
/// The ORT C API function table (<c>OrtApi</c> in <c>onnxruntime_c_api.h</c>), read once from <c>GetApi(30)</c>.
/// </summary>
/// <remarks>
/// The table is an array of pointer-sized slots in declaration order; ORT only ever appends to it, so the slot indices
/// below (checked against the API 29 header with <c>offsetof</c>) hold for every library that serves API 30.
/// Pointers are <c>nint</c>, <c>size_t</c> is <c>nuint</c>, C enums are <c>int</c>. Every <c>OrtStatus*</c> result goes
/// through <see cref="Check"/>, which releases it. This file is a table: long by nature.
/// </remarks>
internal sealed unsafe class OrtApi
{
    /// <summary>The API version this binding is written against (ORT 1.30).</summary>
    public const uint ApiVersion = 30;

    private const int ArenaAllocator = 1;  // OrtArenaAllocator
    private const int MemTypeDefault = 0;  // OrtMemTypeDefault

    private static readonly Lazy<OrtApi> s_instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public readonly delegate* unmanaged[Cdecl]<nint, OrtErrorCode> GetErrorCode;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage;
    public readonly delegate* unmanaged[Cdecl]<OrtLogLevel, byte*, nint*, nint> CreateEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint> AddSessionConfigEntry;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateRunOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, nint> RunOptionsSetTerminate;
    public readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, OrtElementType, nint*, nint> CreateTensorAsOrtValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, OrtElementType, nint*, nint> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetStringTensorDataLength;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nuint*, nuint, nint> GetStringTensorContent;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, OnnxValueType*, nint> GetOnnxTypeFromTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, OrtElementType*, nint> GetTensorElementType;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;
    public readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;
    public readonly delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint> GetSymbolicDimensions;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;
    public readonly delegate* unmanaged[Cdecl]<nint, OnnxValueType*, nint> GetValueType;
    public readonly delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseRunOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged[Cdecl]<byte***, int*, nint> GetAvailableProviders;
    public readonly delegate* unmanaged[Cdecl]<byte**, int, nint> ReleaseAvailableProviders;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProvider_CUDA_V2;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateCUDAProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseCUDAProviderOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nuint, byte**, nint> GetResizedStringTensorElementBuffer;
    public readonly delegate* unmanaged[Cdecl]<byte*> GetBuildInfoString;

    private OrtApi(nint* table, string version)
    {
        Version = version;
        GetErrorCode = (delegate* unmanaged[Cdecl]<nint, OrtErrorCode>)table[1];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, byte*>)table[2];
        CreateEnv = (delegate* unmanaged[Cdecl]<OrtLogLevel, byte*, nint*, nint>)table[3];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)table[7];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)table[8];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)table[9];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[10];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)table[23];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)table[24];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)table[25];
        AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)table[130];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[30];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[31];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)table[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)table[34];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)table[36];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)table[37];
        CreateRunOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[39];
        RunOptionsSetTerminate = (delegate* unmanaged[Cdecl]<nint, nint>)table[46];
        CreateTensorAsOrtValue = (delegate* unmanaged[Cdecl]<nint, long*, nuint, OrtElementType, nint*, nint>)table[48];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, OrtElementType, nint*, nint>)table[49];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)table[51];
        GetStringTensorDataLength = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[53];
        GetStringTensorContent = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nuint*, nuint, nint>)table[54];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)table[55];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<nint, OnnxValueType*, nint>)table[56];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, OrtElementType*, nint>)table[60];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[61];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)table[62];
        GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)table[63];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)table[65];
        GetValueType = (delegate* unmanaged[Cdecl]<nint, OnnxValueType*, nint>)table[67];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)table[69];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, void*, nint>)table[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[78];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<nint, void>)table[92];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)table[93];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[94];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)table[95];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)table[96];
        ReleaseRunOptions = (delegate* unmanaged[Cdecl]<nint, void>)table[97];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[99];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)table[100];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<byte***, int*, nint>)table[125];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<byte**, int, nint>)table[126];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged[Cdecl]<nint, nint, nint>)table[204];
        CreateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[205];
        UpdateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)table[206];
        ReleaseCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, void>)table[208];
        GetResizedStringTensorElementBuffer = (delegate* unmanaged[Cdecl]<nint, nuint, nuint, byte**, nint>)table[252];
        GetBuildInfoString = (delegate* unmanaged[Cdecl]<byte*>)table[254];

        nint allocator;
        Check(GetAllocatorWithDefaultOptions(&allocator));
        DefaultAllocator = allocator;
        nint memoryInfo;
        Check(CreateCpuMemoryInfo(ArenaAllocator, MemTypeDefault, &memoryInfo));
        CpuMemoryInfo = memoryInfo;
    }

    /// <summary>The table, loaded on first use; throws <see cref="OrtException"/> when the library cannot be loaded.</summary>
    public static OrtApi Instance => s_instance.Value;

    /// <summary>The library's version string, e.g. <c>1.30.0</c>.</summary>
    public string Version { get; }

    /// <summary>ORT's default CPU allocator; owned by ORT, never freed.</summary>
    public nint DefaultAllocator { get; }

    /// <summary>Describes caller-owned CPU memory handed to ORT as tensor data; lives as long as the process.</summary>
    public nint CpuMemoryInfo { get; }

    /// <summary>Throws an <see cref="OrtException"/> for a non-null status, after releasing it.</summary>
    public void Check(nint status)
    {
        if (status != 0)
        {
            throw ToException(status);
        }
    }

    /// <summary>Turns a non-null status into an exception carrying ORT's code and message, and releases the status.</summary>
    public OrtException ToException(nint status)
    {
        try
        {
            var code = GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? "(no message)";
            return new OrtException(code, message);
        }
        finally
        {
            ReleaseStatus(status);
        }
    }

    /// <summary>Releases a status without reading it (used when the outcome is already decided, e.g. by cancellation).</summary>
    public void Ignore(nint status)
    {
        if (status != 0)
        {
            ReleaseStatus(status);
        }
    }

    private static OrtApi Load()
    {
        var apiBase = (OrtApiBase*)OrtLibrary.GetApiBase();
        var version = Marshal.PtrToStringUTF8((nint)apiBase->GetVersionString()) ?? "unknown";
        var table = (nint*)apiBase->GetApi(ApiVersion);
        if (table == null)
        {
            throw new OrtException(OrtErrorCode.Fail,
                $"The ONNX Runtime library ({OrtLibrary.LoadedFrom ?? "libonnxruntime.so"}) is version {version}, which does not serve C API version {ApiVersion}; SharpServing needs ONNX Runtime 1.30 or newer. "
                + OrtLibrary.InstallHint);
        }
        return new OrtApi(table, version);
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct OrtApiBase
    {
        public readonly delegate* unmanaged[Cdecl]<uint, nint> GetApi;
        public readonly delegate* unmanaged[Cdecl]<byte*> GetVersionString;
    }
}
