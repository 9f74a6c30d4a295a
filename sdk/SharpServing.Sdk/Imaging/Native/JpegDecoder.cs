using System.Runtime.InteropServices;

namespace SharpServing.Imaging.Native;

/// <summary>Decodes JPEG through TurboJPEG into interleaved 8-bit RGB or BGR.</summary>
internal static unsafe class JpegDecoder
{
    // TurboJPEG handles are not thread-safe; one per thread, released by its finalizer when the thread ends.
    [ThreadStatic]
    private static TurboJpegHandle? s_threadHandle;

    public static Tensor Decode(ReadOnlySpan<byte> data, ChannelOrder order, long maxPixels)
    {
        var handle = s_threadHandle ??= CreateHandle();
        try
        {
            return Decode(handle, data, order, maxPixels);
        }
        catch (InvalidDataException)
        {
            // A failed decode can leave the decompressor mid-stream (TurboJPEG skips its reset on that path); start afresh.
            s_threadHandle = null;
            handle.Dispose();
            throw;
        }
    }

    private static Tensor Decode(TurboJpegHandle handle, ReadOnlySpan<byte> data, ChannelOrder order, long maxPixels)
    {
        int width, height, subsampling, colorspace;
        fixed (byte* source = data)
        {
            if (TurboJpeg.tjDecompressHeader3(handle, source, (nuint)data.Length, &width, &height, &subsampling, &colorspace) != 0)
            {
                throw ImageDecoder.Failure("JPEG", ErrorText(handle));
            }
            ImageDecoder.CheckSize("JPEG", width, height, maxPixels);
            var pixels = RequestMemory.AllocateBytes(checked(width * height * 3));
            var format = order == ChannelOrder.Bgr ? TurboJpeg.PixelFormatBgr : TurboJpeg.PixelFormatRgb;
            fixed (byte* destination = pixels.Span)
            {
                // Warnings (corrupt but decodable data, as libjpeg recovers it) are accepted, as OpenCV and PIL do.
                if (TurboJpeg.tjDecompress2(handle, source, (nuint)data.Length, destination, width, width * 3, height, format, TurboJpeg.FlagLimitScans) != 0
                    && TurboJpeg.tjGetErrorCode(handle) == TurboJpeg.ErrorFatal)
                {
                    throw ImageDecoder.Failure("JPEG", ErrorText(handle));
                }
            }
            return Tensor.FromMemory(DataType.UInt8, [height, width, 3], pixels, isReadOnly: false);
        }
    }

    private static TurboJpegHandle CreateHandle()
    {
        var handle = TurboJpeg.tjInitDecompress();
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new InvalidOperationException("Image decode failed: TurboJPEG could not create a decompressor (out of memory?).");
        }
        return handle;
    }

    private static string ErrorText(TurboJpegHandle handle)
        => Marshal.PtrToStringUTF8((nint)TurboJpeg.tjGetErrorStr2(handle)) ?? "unknown error";
}
