namespace SharpServing.OnnxRuntime.Interop;

/// <summary>An <c>OrtSessionOptions</c>: lives while one session is being created.</summary>
internal sealed class SessionOptionsHandle : OrtHandle
{
    public SessionOptionsHandle(nint pointer) => Adopt(pointer);

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseSessionOptions(handle);
        return true;
    }
}
