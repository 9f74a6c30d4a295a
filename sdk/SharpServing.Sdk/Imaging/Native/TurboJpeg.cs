using System.Runtime.InteropServices;

namespace SharpServing.Imaging.Native;

/// <summary>
/// The TurboJPEG API of libjpeg-turbo (Debian package <c>libturbojpeg0</c>). Errors are return codes with a message per
/// handle; libjpeg's longjmp stays inside the library. A handle is not thread-safe: one per thread.
/// </summary>
internal static unsafe partial class TurboJpeg
{
    public const string Library = "libturbojpeg.so.0";
    public const string DebianPackage = "libturbojpeg0";

    public const int PixelFormatRgb = 0;
    public const int PixelFormatBgr = 1;

    /// <summary>Refuses progressive images with more than 500 scans (a decoding-time bomb).</summary>
    public const int FlagLimitScans = 32768;

    public const int ErrorFatal = 1;

    [LibraryImport(Library)]
    public static partial TurboJpegHandle tjInitDecompress();

    [LibraryImport(Library)]
    public static partial int tjDestroy(nint handle);

    [LibraryImport(Library)]
    public static partial int tjDecompressHeader3(
        TurboJpegHandle handle, byte* jpegBuf, nuint jpegSize, int* width, int* height, int* jpegSubsamp, int* jpegColorspace);

    [LibraryImport(Library)]
    public static partial int tjDecompress2(
        TurboJpegHandle handle, byte* jpegBuf, nuint jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    public static partial byte* tjGetErrorStr2(TurboJpegHandle handle);

    [LibraryImport(Library)]
    public static partial int tjGetErrorCode(TurboJpegHandle handle);
}
