using System.Runtime.InteropServices;

namespace SharpServing.OnnxRuntime.Interop;

/// <summary>Base of the binding's SafeHandles: one ORT object, released once by its own <c>Release*</c> function.</summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw pointer, for calls made while the caller holds this handle open (a <c>using</c> or an AddRef).</summary>
    public nint Pointer => handle;

    protected void Adopt(nint pointer) => SetHandle(pointer);
}
