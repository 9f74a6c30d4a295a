using System.Runtime.Intrinsics;
using SkiaSharp;

namespace SharpServing.Imaging.Native;

/// <summary>
/// Decodes PNG through Skia's codec (SkiaSharp) into interleaved 8-bit RGB or BGR: the sample values as stored, no
/// gamma or colour-profile conversion, 16-bit samples cut to their high byte, an alpha channel dropped; what
/// <c>cv2.imdecode</c> gives.
/// </summary>
/// <remarks>
/// Skia's PNG decoder is libpng with Chromium's zlib, whose vectorised inflate decodes a text image (640×232 RGB) in
/// about a fifth of the time libpng with Debian's zlib takes (docs/benchmarks.md, "The C# stages around det").
/// </remarks>
internal static unsafe class PngDecoder
{
    public const string Library = "libSkiaSharp";
    public const string Package = "SkiaSharp.NativeAssets.Linux.NoDependencies";

    public static Tensor Decode(ReadOnlySpan<byte> data, ChannelOrder order, long maxPixels)
    {
        fixed (byte* source = data)
        {
            // The codec reads the caller's bytes in place; none of the three outlives this block.
            using var bytes = SKData.Create((nint)source, data.Length);
            using var stream = new SKMemoryStream(bytes);
            using var codec = SKCodec.Create(stream, out var opened);
            if (codec is null || opened != SKCodecResult.Success)
            {
                throw ImageDecoder.Failure("PNG", Reason(opened));
            }
            int width = codec.Info.Width, height = codec.Info.Height;
            ImageDecoder.CheckSize("PNG", width, height, maxPixels);
            // Four bytes a pixel (Skia has no three-byte format), packed to three in place afterwards. No colour space:
            // Skia converts nothing. Unpremultiplied: colour values stay as stored under any alpha.
            var info = new SKImageInfo(width, height, order == ChannelOrder.Bgr ? SKColorType.Bgra8888 : SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var count = width * height;
            var pixels = RequestMemory.AllocateBytes(checked(count * 4));
            fixed (byte* destination = pixels.Span)
            {
                var decoded = codec.GetPixels(info, (nint)destination, width * 4, new SKCodecOptions(SKZeroInitialized.No));
                if (decoded != SKCodecResult.Success)
                {
                    throw ImageDecoder.Failure("PNG", Reason(decoded));
                }
                DropAlpha(destination, count);
            }
            return Tensor.FromMemory(DataType.UInt8, [height, width, 3], pixels[..(count * 3)], isReadOnly: false);
        }
    }

    private static string Reason(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the data ends before the image does (IncompleteInput).",
        SKCodecResult.ErrorInInput => "the image data is corrupt (ErrorInInput).",
        SKCodecResult.InvalidInput => "the data is not a valid PNG image (InvalidInput).",
        SKCodecResult.Unimplemented => "the image uses a feature the decoder does not support (Unimplemented).",
        _ => $"the decoder failed ({result}).",
    };

    // RGBA → RGB (or BGRA → BGR) in place, four pixels a step: the 16-byte store of a step's 12 bytes ends at 3i + 16,
    // never past the 16 bytes that step loaded (4i to 4i + 16), so it overwrites only pixels already read.
    private static void DropAlpha(byte* pixels, int count)
    {
        var shuffle = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 15, 15, 15, 15);
        byte* from = pixels, to = pixels;
        var i = 0;
        for (; i + 4 <= count; i += 4, from += 16, to += 12)
        {
            Vector128.Store(Vector128.Shuffle(Vector128.Load(from), shuffle), to);
        }
        for (; i < count; i++, from += 4, to += 3)
        {
            to[0] = from[0];
            to[1] = from[1];
            to[2] = from[2];
        }
    }
}
