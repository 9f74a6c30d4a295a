using System.Numerics;
using System.Runtime.InteropServices;

namespace SharpServing.Imaging.Kernels;

/// <summary>
/// Bilinear resampling with OpenCV's <c>INTER_LINEAR</c> geometry (pixel centres aligned: <c>src = (dst + 0.5) · scale − 0.5</c>,
/// clamped at the borders). Each output row blends two horizontally resampled source rows, kept in float buffers and
/// reused while consecutive output rows read the same source rows.
/// </summary>
internal static class BilinearResize
{
    public static void Resize<T>(ReadOnlySpan<T> source, ImageShape from, Span<T> destination, ImageShape to)
        where T : unmanaged, INumberBase<T>
    {
        var channels = from.Channels;
        var rowLength = to.Width * channels;
        var (x0, x1, wx) = Coordinates(from.Width, to.Width);
        var upper = new float[rowLength];
        var lower = new float[rowLength];
        var blended = typeof(T) == typeof(float) ? [] : new float[rowLength];
        int upperRow = -1, lowerRow = -1;
        var sourceRowLength = from.Width * channels;
        for (var y = 0; y < to.Height; y++)
        {
            var (sy0, sy1, wy) = Coordinate(y, from.Height, to.Height);
            if (sy0 != upperRow)
            {
                if (sy0 == lowerRow)
                {
                    (upper, lower) = (lower, upper);
                    (upperRow, lowerRow) = (lowerRow, upperRow);
                }
                else
                {
                    Horizontal(source.Slice(sy0 * sourceRowLength, sourceRowLength), upper, x0, x1, wx, channels);
                    upperRow = sy0;
                }
            }
            if (sy1 != lowerRow)
            {
                Horizontal(source.Slice(sy1 * sourceRowLength, sourceRowLength), lower, x0, x1, wx, channels);
                lowerRow = sy1;
            }
            Vertical(upper, lower, wy, destination.Slice(y * rowLength, rowLength), blended);
        }
    }

    private static (int[] X0, int[] X1, float[] Weight) Coordinates(int fromSize, int toSize)
    {
        var x0 = new int[toSize];
        var x1 = new int[toSize];
        var w = new float[toSize];
        for (var x = 0; x < toSize; x++)
        {
            (x0[x], x1[x], w[x]) = Coordinate(x, fromSize, toSize);
        }
        return (x0, x1, w);
    }

    private static (int Low, int High, float Weight) Coordinate(int index, int fromSize, int toSize)
    {
        var position = (index + 0.5) * fromSize / toSize - 0.5;
        var low = (int)Math.Floor(position);
        var weight = (float)(position - low);
        if (low < 0)
        {
            return (0, 0, 0f);
        }
        if (low >= fromSize - 1)
        {
            return (fromSize - 1, fromSize - 1, 0f);
        }
        return (low, low + 1, weight);
    }

    private static void Horizontal<T>(ReadOnlySpan<T> row, float[] output, int[] x0, int[] x1, float[] wx, int channels)
        where T : unmanaged, INumberBase<T>
    {
        if (channels == 3)
        {
            // The common case, unrolled.
            for (int x = 0, o = 0; x < x0.Length; x++, o += 3)
            {
                int a = x0[x] * 3, b = x1[x] * 3;
                var w = wx[x];
                float l0 = float.CreateTruncating(row[a]), l1 = float.CreateTruncating(row[a + 1]), l2 = float.CreateTruncating(row[a + 2]);
                output[o] = l0 + (float.CreateTruncating(row[b]) - l0) * w;
                output[o + 1] = l1 + (float.CreateTruncating(row[b + 1]) - l1) * w;
                output[o + 2] = l2 + (float.CreateTruncating(row[b + 2]) - l2) * w;
            }
            return;
        }
        var k = 0;
        for (var x = 0; x < x0.Length; x++)
        {
            int a = x0[x] * channels, b = x1[x] * channels;
            var w = wx[x];
            for (var c = 0; c < channels; c++)
            {
                var left = float.CreateTruncating(row[a + c]);
                output[k++] = left + (float.CreateTruncating(row[b + c]) - left) * w;
            }
        }
    }

    private static void Vertical<T>(float[] upper, float[] lower, float wy, Span<T> output, float[] blended)
        where T : unmanaged, INumberBase<T>
    {
        var isFloat = typeof(T) == typeof(float);
        var result = isFloat ? MemoryMarshal.Cast<T, float>(output) : blended;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var weight = new Vector<float>(wy);
            for (; i <= result.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var top = new Vector<float>(upper, i);
                (top + (new Vector<float>(lower, i) - top) * weight).CopyTo(result[i..]);
            }
        }
        for (; i < result.Length; i++)
        {
            result[i] = upper[i] + (lower[i] - upper[i]) * wy;
        }
        if (!isFloat)
        {
            for (i = 0; i < output.Length; i++)
            {
                // Round half up; blends of in-range values stay in range, CreateSaturating guards the rest.
                output[i] = T.CreateSaturating(blended[i] + 0.5f);
            }
        }
    }
}
