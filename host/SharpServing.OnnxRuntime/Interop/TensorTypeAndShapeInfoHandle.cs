namespace SharpServing.OnnxRuntime.Interop;

/// <summary>An <c>OrtTensorTypeAndShapeInfo</c> owned by the caller (from <c>GetTensorTypeAndShape</c>).</summary>
internal sealed class TensorTypeAndShapeInfoHandle : OrtHandle
{
    public TensorTypeAndShapeInfoHandle(nint pointer) => Adopt(pointer);

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}
