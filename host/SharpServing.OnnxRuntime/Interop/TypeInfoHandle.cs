namespace SharpServing.OnnxRuntime.Interop;

/// <summary>An <c>OrtTypeInfo</c>: read while a session's metadata is collected.</summary>
internal sealed class TypeInfoHandle : OrtHandle
{
    public TypeInfoHandle(nint pointer) => Adopt(pointer);

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseTypeInfo(handle);
        return true;
    }
}
