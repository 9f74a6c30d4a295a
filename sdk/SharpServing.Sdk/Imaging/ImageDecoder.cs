using SharpServing.Imaging.Native;

namespace SharpServing.Imaging;

/// <summary>
/// Decodes JPEG and PNG bytes to an HWC <see cref="DataType.UInt8"/> tensor of shape [height, width, 3], like
/// <c>cv2.imdecode</c> or <c>PIL.Image.open(...).convert("RGB")</c>: grey and palette images are expanded to three
/// channels, 16-bit PNGs are cut to 8 bits (the high byte) and an alpha channel is dropped. Sample values are taken as
/// stored: no gamma or colour-profile conversion.
/// </summary>
/// <remarks>
/// Native decoders do the work: libjpeg-turbo's TurboJPEG API from Debian (<c>libturbojpeg0</c>) for JPEG, and Skia's
/// codec (SkiaSharp, whose native library comes with the NuGet package) for PNG. Bad bytes never crash the process:
/// they raise <see cref="InvalidDataException"/> with the decoder's reason. Safe to call from many threads at once.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>
    /// The default bound on width × height (64 Mi pixels: a 192 MiB RGB tensor, held in a 256 MiB buffer for a PNG, which
    /// is decoded at four bytes a pixel and packed in place): a guard against decompression bombs.
    /// </summary>
    public const long DefaultMaxPixels = 1L << 26;

    /// <summary>The format of encoded bytes, from their signature.</summary>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageFormat.Png;
        }
        return ImageFormat.Unknown;
    }

    /// <summary>Decodes a JPEG or PNG image into a writable uint8 tensor [height, width, 3].</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="order">Channel order of the result: <see cref="ChannelOrder.Rgb"/> (default) or <see cref="ChannelOrder.Bgr"/>.</param>
    /// <param name="maxPixels">The largest width × height accepted; larger images fail before any pixel memory is allocated.</param>
    /// <exception cref="InvalidDataException">The bytes are not a decodable JPEG or PNG, or the image is larger than <paramref name="maxPixels"/>.</exception>
    /// <exception cref="DllNotFoundException">The native decoder is not installed (the message names the package that brings it).</exception>
    public static Tensor Decode(ReadOnlySpan<byte> data, ChannelOrder order = ChannelOrder.Rgb, long maxPixels = DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        if (order is not (ChannelOrder.Rgb or ChannelOrder.Bgr))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "The channel order must be Rgb or Bgr.");
        }
        var format = DetectFormat(data);
        try
        {
            return format switch
            {
                ImageFormat.Jpeg => JpegDecoder.Decode(data, order, maxPixels),
                ImageFormat.Png => PngDecoder.Decode(data, order, maxPixels),
                _ => throw new InvalidDataException(data.IsEmpty
                    ? "Image decode failed: the data is empty."
                    : $"Image decode failed: the data is neither JPEG nor PNG (it starts with {Convert.ToHexString(data[..Math.Min(8, data.Length)])})."),
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException
            || (e is TypeInitializationException && e.InnerException is DllNotFoundException or EntryPointNotFoundException))
        {
            var (library, install) = format == ImageFormat.Jpeg
                ? (TurboJpeg.Library, $"install the Debian package {TurboJpeg.DebianPackage} (apt-get install {TurboJpeg.DebianPackage})")
                : (PngDecoder.Library, $"it comes with the NuGet package {PngDecoder.Package} under runtimes/linux-x64/native of the build output");
            throw new DllNotFoundException(
                $"Image decode failed: the native {format} decoder {library} could not be loaded; {install}. {(e.InnerException ?? e).Message}", e);
        }
    }

    /// <summary>Decodes the JPEG or PNG file at <paramref name="path"/>.</summary>
    public static Tensor DecodeFile(string path, ChannelOrder order = ChannelOrder.Rgb, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Decode(File.ReadAllBytes(path), order, maxPixels);
    }

    internal static InvalidDataException Failure(string format, string message)
        => new($"Image decode failed: {format}: {message}");

    internal static void CheckSize(string format, long width, long height, long maxPixels)
    {
        if (width <= 0 || height <= 0)
        {
            throw Failure(format, $"the image has no pixels ({width}×{height}).");
        }
        if (width * height > maxPixels || width * height * 4 > Array.MaxLength)
        {
            throw Failure(format, $"the image is {width}×{height}, more than the {maxPixels} pixels allowed.");
        }
    }
}
