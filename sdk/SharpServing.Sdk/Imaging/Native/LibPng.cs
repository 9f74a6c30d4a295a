using System.Runtime.InteropServices;

namespace SharpServing.Imaging.Native;

/// <summary>
/// libpng's simplified read API (Debian package <c>libpng16-16</c>). Unlike the classic API it never longjmps out of
/// the library: failures come back as a zero result with a message in <see cref="PngImage"/>.
/// </summary>
internal static unsafe partial class LibPng
{
    public const string Library = "libpng16.so.16";
    public const string DebianPackage = "libpng16-16";

    public const uint ImageVersion = 1;
    public const uint FormatFlagAlpha = 0x01;
    public const uint FormatFlagColor = 0x02;
    public const uint FormatFlagBgr = 0x10;
    public const uint ImageFlag16BitSrgb = 0x04;

    [LibraryImport(Library)]
    public static partial int png_image_begin_read_from_memory(PngImage* image, byte* memory, nuint size);

    [LibraryImport(Library)]
    public static partial int png_image_finish_read(PngImage* image, void* background, byte* buffer, int rowStride, void* colormap);

    [LibraryImport(Library)]
    public static partial void png_image_free(PngImage* image);
}
