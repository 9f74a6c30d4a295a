using System.Runtime.InteropServices;
using System.Text;

namespace SharpServing.Imaging.Native;

/// <summary>libpng's <c>png_image</c> control structure (png.h, PNG_IMAGE_VERSION 1).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PngImage
{
    public nint Opaque;
    public uint Version;
    public uint Width;
    public uint Height;
    public uint Format;
    public uint Flags;
    public uint ColormapEntries;
    public uint WarningOrError;
    public fixed byte Message[64];

    public readonly string MessageText
    {
        get
        {
            fixed (byte* message = Message)
            {
                var span = new ReadOnlySpan<byte>(message, 64);
                var end = span.IndexOf((byte)0);
                return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
            }
        }
    }
}
