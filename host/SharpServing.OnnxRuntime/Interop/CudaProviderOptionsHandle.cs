namespace SharpServing.OnnxRuntime.Interop;

/// <summary>An <c>OrtCUDAProviderOptionsV2</c>: lives while session options are assembled.</summary>
internal sealed class CudaProviderOptionsHandle : OrtHandle
{
    public CudaProviderOptionsHandle(nint pointer) => Adopt(pointer);

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseCUDAProviderOptions(handle);
        return true;
    }
}
