namespace SharpServing.OnnxRuntime.Interop;

/// <summary>An <c>OrtValue</c>: an input or output of one Run; inputs may point into pinned managed memory.</summary>
internal sealed class ValueHandle : OrtHandle
{
    public ValueHandle(nint pointer) => Adopt(pointer);

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseValue(handle);
        return true;
    }
}
