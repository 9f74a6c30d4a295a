namespace SharpServing.OnnxRuntime.Interop;

/// <summary>An <c>OrtRunOptions</c>: lives for one Run; the cancellation callback sets its terminate flag.</summary>
internal sealed class RunOptionsHandle : OrtHandle
{
    public RunOptionsHandle(nint pointer) => Adopt(pointer);

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseRunOptions(handle);
        return true;
    }
}
