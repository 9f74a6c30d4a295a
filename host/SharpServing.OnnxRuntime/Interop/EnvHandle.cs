namespace SharpServing.OnnxRuntime.Interop;

/// <summary>The process's <c>OrtEnv</c>. Each open session holds a reference (AddRef), so the env is released after the last session.</summary>
internal sealed class EnvHandle : OrtHandle
{
    public EnvHandle(nint pointer) => Adopt(pointer);

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseEnv(handle);
        return true;
    }
}
