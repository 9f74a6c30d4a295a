using Microsoft.Win32.SafeHandles;

namespace SharpServing.Imaging.Native;

/// <summary>A TurboJPEG decompressor; owned by one thread (see <see cref="JpegDecoder"/>).</summary>
internal sealed class TurboJpegHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public TurboJpegHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => TurboJpeg.tjDestroy(handle) == 0;
}
