using System.Runtime.InteropServices;
using SharpServing.Imaging.Kernels;

namespace SharpServing.Imaging;

/// <summary>
/// Image pre-processing on HWC tensors (height, width, channels; rank 2 means one channel), the steps MindSpore Serving
/// examples do with OpenCV or PIL: resize, crop, pad, normalize, layout and channel-order changes. Every method returns a
/// new writable tensor and leaves its input untouched, so read-only request tensors are fine inputs.
/// </summary>
public static class ImageTransforms
{
    /// <summary>
    /// Bilinear resize to <paramref name="height"/> × <paramref name="width"/> with OpenCV's <c>INTER_LINEAR</c> geometry.
    /// UInt8 images stay UInt8 (rounded), Float32 images stay Float32.
    /// </summary>
    public static Tensor Resize(this Tensor image, int height, int width)
    {
        var original = ImageShape.Of(image, nameof(Resize));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (original.Height == 0 || original.Width == 0)
        {
            throw new ArgumentException($"Resize needs a non-empty image; got {Tensor.FormatShape(image.Shape)}.", nameof(image));
        }
        var to = original with { Height = height, Width = width };
        var result = Uninitialized(image.DataType, to.ToDims(image.Rank));
        switch (image.DataType)
        {
            case DataType.UInt8:
                BilinearResize.Resize(image.AsSpan<byte>(), original, result.AsWritableSpan<byte>(), to);
                break;
            case DataType.Float32:
                BilinearResize.Resize(image.AsSpan<float>(), original, result.AsWritableSpan<float>(), to);
                break;
            default:
                throw new NotSupportedException($"Resize takes UInt8 or Float32 images, not {image.DataType}; cast it first.");
        }
        return result;
    }

    /// <summary>The region of <paramref name="height"/> × <paramref name="width"/> pixels whose top-left pixel is (<paramref name="top"/>, <paramref name="left"/>). Any numeric type.</summary>
    public static Tensor Crop(this Tensor image, int top, int left, int height, int width)
    {
        var shape = ImageShape.Of(image, nameof(Crop));
        if (top < 0 || left < 0 || height < 0 || width < 0 || (long)top + height > shape.Height || (long)left + width > shape.Width)
        {
            throw new ArgumentOutOfRangeException(nameof(image),
                $"Crop of {height}×{width} at ({top}, {left}) does not fit in an image of {shape.Height}×{shape.Width}.");
        }
        var to = shape with { Height = height, Width = width };
        var result = Uninitialized(image.DataType, to.ToDims(image.Rank));
        var pixelBytes = shape.Channels * image.DataType.ItemSize();
        var source = image.Data.Span;
        var destination = Writable(result);
        var rowBytes = width * pixelBytes;
        for (var y = 0; y < height; y++)
        {
            source.Slice((int)(((long)(top + y) * shape.Width + left) * pixelBytes), rowBytes).CopyTo(destination.Slice(y * rowBytes, rowBytes));
        }
        return result;
    }

    /// <summary>Adds a border of constant <paramref name="value"/> (converted to the image's type) around the image. Any numeric type.</summary>
    public static Tensor Pad(this Tensor image, int top, int bottom, int left, int right, double value = 0)
    {
        var shape = ImageShape.Of(image, nameof(Pad));
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(image), $"Pad sizes must not be negative (top {top}, bottom {bottom}, left {left}, right {right}).");
        }
        var to = shape with { Height = checked(shape.Height + top + bottom), Width = checked(shape.Width + left + right) };
        var result = Uninitialized(image.DataType, to.ToDims(image.Rank));
        var destination = Writable(result);
        Layout.Fill(destination, Tensor.Scalar(value).Cast(image.DataType).Data.Span);
        var pixelBytes = shape.Channels * image.DataType.ItemSize();
        var source = image.Data.Span;
        var rowBytes = shape.Width * pixelBytes;
        for (var y = 0; y < shape.Height; y++)
        {
            source.Slice(y * rowBytes, rowBytes).CopyTo(destination[(int)(((long)(top + y) * to.Width + left) * pixelBytes)..]);
        }
        return result;
    }

    /// <summary>
    /// Float32 image <c>(x · scale − mean[c]) / std[c]</c> per channel <c>c</c>. <paramref name="mean"/> and
    /// <paramref name="std"/> hold one value per channel (or one for all). For ImageNet-style models on a UInt8 image:
    /// <c>Normalize([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], scale: 1 / 255f)</c>.
    /// </summary>
    public static Tensor Normalize(this Tensor image, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, float scale = 1f)
    {
        var shape = ImageShape.Of(image, nameof(Normalize));
        var channels = shape.Channels;
        Span<float> multiply = stackalloc float[channels];
        Span<float> add = stackalloc float[channels];
        AffineFactors(nameof(Normalize), mean, std, scale, multiply, add);
        // One pass from the source into the result (the same per-element arithmetic as ToFloat32, then the affine map).
        Tensor result;
        switch (image.DataType)
        {
            case DataType.UInt8:
                result = Uninitialized(DataType.Float32, [.. image.Shape]);
                PixelConvert.AffinePerChannel(image.Data.Span, result.AsWritableSpan<float>(), multiply, add);
                break;
            case DataType.Float32:
                result = Uninitialized(DataType.Float32, [.. image.Shape]);
                PixelConvert.AffinePerChannel(image.AsSpan<float>(), result.AsWritableSpan<float>(), multiply, add);
                break;
            default:
                result = image.Cast(DataType.Float32);
                var values = result.AsWritableSpan<float>();
                PixelConvert.AffinePerChannel(values, values, multiply, add);
                break;
        }
        return result;
    }

    /// <summary>
    /// A model's planar input in one pass over the image: the Float32 CHW tensor of <c>(x · scale − mean[c]) / std[c]</c>,
    /// with <paramref name="padBottom"/> rows and <paramref name="padRight"/> columns of zeros added below and to the right
    /// (models that take sizes in multiples of 32, say). The same bits as
    /// <c>Normalize(mean, std, scale).Pad(0, padBottom, 0, padRight).HwcToChw()</c>, without the two images in between.
    /// Takes a UInt8 or Float32 HWC image (rank 3).
    /// </summary>
    public static Tensor NormalizeToChw(this Tensor image, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, float scale = 1f, int padBottom = 0, int padRight = 0)
    {
        var shape = ImageShape.Of(image, nameof(NormalizeToChw));
        if (image.Rank != 3 || image.DataType is not (DataType.UInt8 or DataType.Float32))
        {
            throw new ArgumentException(
                $"NormalizeToChw needs a UInt8 or Float32 HWC image of rank 3; got {image.DataType}{Tensor.FormatShape(image.Shape)}.", nameof(image));
        }
        if (padBottom < 0 || padRight < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(padBottom), $"Pad sizes must not be negative (bottom {padBottom}, right {padRight}).");
        }
        int height = shape.Height, width = shape.Width, channels = shape.Channels;
        Span<float> multiply = stackalloc float[channels];
        Span<float> add = stackalloc float[channels];
        AffineFactors(nameof(NormalizeToChw), mean, std, scale, multiply, add);
        int outHeight = checked(height + padBottom), outWidth = checked(width + padRight);
        var result = Uninitialized(DataType.Float32, [channels, outHeight, outWidth]);
        var output = result.AsWritableSpan<float>();
        var plane = checked(outHeight * outWidth);
        var itemSize = image.DataType.ItemSize();
        var rowBytes = checked(width * channels * itemSize);
        var source = image.Data.Span;
        // Each row is split into its planes (the vectorised transpose), then each plane's row is mapped into place.
        var planarRow = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(rowBytes, 1));
        try
        {
            for (var y = 0; y < height; y++)
            {
                var row = planarRow.AsSpan(0, rowBytes);
                Layout.Transpose(source.Slice(y * rowBytes, rowBytes), row, width, channels, itemSize, toPlanar: true);
                for (var c = 0; c < channels; c++)
                {
                    var to = output.Slice((c * plane) + (y * outWidth), outWidth);
                    if (itemSize == 1)
                    {
                        PixelConvert.AffinePerChannel(row.Slice(c * width, width), to, multiply.Slice(c, 1), add.Slice(c, 1));
                    }
                    else
                    {
                        PixelConvert.AffinePerChannel(MemoryMarshal.Cast<byte, float>(row).Slice(c * width, width), to, multiply.Slice(c, 1), add.Slice(c, 1));
                    }
                    to[width..].Clear();
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(planarRow);
        }
        for (var c = 0; c < channels; c++)
        {
            output.Slice((c * plane) + (height * outWidth), padBottom * outWidth).Clear();
        }
        return result;
    }

    /// <summary>Normalize's per-channel map <c>x · multiply[c] + add[c]</c> from one mean and std per channel (or one for all).</summary>
    private static void AffineFactors(string operation, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, float scale, Span<float> multiply, Span<float> add)
    {
        var channels = multiply.Length;
        if (mean.Length != std.Length || (mean.Length != channels && mean.Length != 1))
        {
            throw new ArgumentException(
                $"{operation} needs one mean and one std per channel ({channels}) or one of each; got {mean.Length} means and {std.Length} stds.", nameof(mean));
        }
        for (var c = 0; c < channels; c++)
        {
            var m = mean[mean.Length == 1 ? 0 : c];
            var s = std[std.Length == 1 ? 0 : c];
            if (s == 0 || !float.IsFinite(s))
            {
                throw new ArgumentException($"{operation} needs finite, non-zero std values; channel {c} has {s}.", nameof(std));
            }
            multiply[c] = scale / s;
            add[c] = -m / s;
        }
    }

    /// <summary>The image as Float32, each element times <paramref name="scale"/> (e.g. <c>1 / 255f</c>). Works for any numeric type; any rank.</summary>
    public static Tensor ToFloat32(this Tensor image, float scale = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        switch (image.DataType)
        {
            case DataType.UInt8:
            {
                var result = Uninitialized(DataType.Float32, [.. image.Shape]);
                PixelConvert.ToFloat(image.Data.Span, result.AsWritableSpan<float>(), scale);
                return result;
            }
            case DataType.Float32 when scale != 1f:
            {
                var result = Uninitialized(DataType.Float32, [.. image.Shape]);
                PixelConvert.Scale(image.AsSpan<float>(), result.AsWritableSpan<float>(), scale);
                return result;
            }
            case DataType.Float32:
                return image.Clone();
            default:
            {
                var converted = image.Cast(DataType.Float32);
                if (scale != 1f)
                {
                    var values = converted.AsWritableSpan<float>();
                    PixelConvert.Scale(values, values, scale);
                }
                return converted;
            }
        }
    }

    /// <summary>HWC → CHW (rank 3), or NHWC → NCHW (rank 4), as models in NCHW layout expect. Any numeric type.</summary>
    public static Tensor HwcToChw(this Tensor image) => Transpose(image, toPlanar: true);

    /// <summary>CHW → HWC (rank 3), or NCHW → NHWC (rank 4). Any numeric type.</summary>
    public static Tensor ChwToHwc(this Tensor image) => Transpose(image, toPlanar: false);

    /// <summary>Swaps the first and third channel of an HWC image with 3 or 4 channels: RGB → BGR (RGBA → BGRA).</summary>
    public static Tensor RgbToBgr(this Tensor image) => SwapRedBlue(image, nameof(RgbToBgr));

    /// <summary>Swaps the first and third channel of an HWC image with 3 or 4 channels: BGR → RGB (BGRA → RGBA).</summary>
    public static Tensor BgrToRgb(this Tensor image) => SwapRedBlue(image, nameof(BgrToRgb));

    private static Tensor Transpose(Tensor image, bool toPlanar)
    {
        ArgumentNullException.ThrowIfNull(image);
        var dims = image.Shape;
        var name = toPlanar ? nameof(HwcToChw) : nameof(ChwToHwc);
        if (!image.DataType.IsNumeric() || dims.Length is not (3 or 4))
        {
            throw new ArgumentException($"{name} needs a numeric tensor of rank 3 (or 4 with a batch dimension); got {image.DataType}{Tensor.FormatShape(dims)}.", nameof(image));
        }
        var batch = dims.Length == 4 ? dims[0] : 1;
        var inner = dims[^3..];
        long[] outInner = toPlanar ? [inner[2], inner[0], inner[1]] : [inner[1], inner[2], inner[0]];
        var channels = (int)(toPlanar ? inner[2] : inner[0]);
        var pixels = (int)(inner[0] * inner[1] * inner[2] / Math.Max(channels, 1));
        long[] outDims = dims.Length == 4 ? [batch, .. outInner] : outInner;
        var result = Uninitialized(image.DataType, outDims);
        if (result.ElementCount == 0)
        {
            return result;
        }
        var imageBytes = (int)(result.ByteSize / batch);
        var source = image.Data.Span;
        var destination = Writable(result);
        for (var n = 0; n < batch; n++)
        {
            var one = source.Slice((int)(n * imageBytes), imageBytes);
            var to = destination.Slice((int)(n * imageBytes), imageBytes);
            Layout.Transpose(one, to, pixels, channels, image.DataType.ItemSize(), toPlanar);
        }
        return result;
    }

    private static Tensor SwapRedBlue(Tensor image, string operation)
    {
        ArgumentNullException.ThrowIfNull(image);
        var dims = image.Shape;
        if (!image.DataType.IsNumeric() || dims.Length < 1 || dims[^1] is not (3 or 4))
        {
            throw new ArgumentException($"{operation} needs a numeric tensor whose last dimension is 3 or 4 channels; got {image.DataType}{Tensor.FormatShape(dims)}.", nameof(image));
        }
        var channels = (int)dims[^1];
        var result = Uninitialized(image.DataType, [.. dims]);
        Layout.SwapRedBlue(image.Data.Span, Writable(result), channels, image.DataType.ItemSize());
        return result;
    }

    /// <summary>
    /// A new writable tensor whose every element the caller overwrites (so its memory need not be cleared first); request
    /// memory when a stage of a request makes it (<see cref="RequestMemory"/>).
    /// </summary>
    private static Tensor Uninitialized(DataType type, long[] dims)
    {
        long count = 1;
        foreach (var d in dims)
        {
            count = checked(count * d);
        }
        return Tensor.FromMemory(type, dims, RequestMemory.AllocateBytes(checked((int)(count * type.ItemSize()))), isReadOnly: false);
    }

    /// <summary>The bytes of a tensor this class just created (writable by construction).</summary>
    private static Span<byte> Writable(Tensor created) => MemoryMarshal.AsMemory(created.Data).Span;
}
