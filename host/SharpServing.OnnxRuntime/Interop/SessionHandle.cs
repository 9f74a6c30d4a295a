namespace SharpServing.OnnxRuntime.Interop;

/// <summary>
/// An <c>OrtSession</c>: lives as long as its servable version. Holds a reference on the env it was created in, so the
/// env outlives it; runs in flight hold a reference on this handle, so disposing during a run releases after the run.
/// </summary>
internal sealed class SessionHandle : OrtHandle
{
    private readonly EnvHandle _env;

    public SessionHandle(EnvHandle env, nint session)
    {
        var added = false;
        env.DangerousAddRef(ref added);
        _env = env;
        Adopt(session);
    }

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseSession(handle);
        _env.DangerousRelease();
        return true;
    }
}
