namespace SharpServing.Imaging.Native;

/// <summary>Decodes PNG through libpng's simplified API into interleaved 8-bit RGB or BGR.</summary>
internal static unsafe class PngDecoder
{
    public static Tensor Decode(ReadOnlySpan<byte> data, ChannelOrder order, long maxPixels)
    {
        var image = new PngImage { Version = LibPng.ImageVersion };
        fixed (byte* source = data)
        {
            if (LibPng.png_image_begin_read_from_memory(&image, source, (nuint)data.Length) == 0)
            {
                throw ImageDecoder.Failure("PNG", image.MessageText);
            }
            try
            {
                ImageDecoder.CheckSize("PNG", image.Width, image.Height, maxPixels);
                // 16-bit files without gamma information are sRGB like 8-bit ones (so 16 → 8 bits is a plain scale, as
                // in OpenCV), not linear light, which libpng assumes by default.
                image.Flags |= LibPng.ImageFlag16BitSrgb;
                int width = (int)image.Width, height = (int)image.Height;
                // An alpha channel is dropped, not composited, as OpenCV's and PIL's RGB conversions do: read RGBA, then pack.
                var alpha = (image.Format & LibPng.FormatFlagAlpha) != 0;
                var channels = alpha ? 4 : 3;
                image.Format = LibPng.FormatFlagColor | (alpha ? LibPng.FormatFlagAlpha : 0) | (order == ChannelOrder.Bgr ? LibPng.FormatFlagBgr : 0);
                var pixels = RequestMemory.AllocateBytes(checked(width * height * channels));
                fixed (byte* destination = pixels.Span)
                {
                    if (LibPng.png_image_finish_read(&image, null, destination, width * channels, null) == 0)
                    {
                        throw ImageDecoder.Failure("PNG", image.MessageText);
                    }
                }
                var length = (int)((long)width * height * 3);
                if (alpha)
                {
                    DropAlpha(pixels.Span, width * height);
                }
                return Tensor.FromMemory(DataType.UInt8, [height, width, 3], pixels[..length], isReadOnly: false);
            }
            finally
            {
                // Frees what begin_read allocated when finish_read was not reached; a no-op after finish_read.
                LibPng.png_image_free(&image);
            }
        }
    }

    private static void DropAlpha(Span<byte> pixels, int count)
    {
        // In place: the write position never passes the read position.
        for (int i = 0, from = 0, to = 0; i < count; i++, from += 4, to += 3)
        {
            pixels[to] = pixels[from];
            pixels[to + 1] = pixels[from + 1];
            pixels[to + 2] = pixels[from + 2];
        }
    }
}
