using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpServing.Imaging.Kernels;

/// <summary>
/// Bilinear resampling with OpenCV's <c>INTER_LINEAR</c> geometry (pixel centres aligned: <c>src = (dst + 0.5) · scale − 0.5</c>,
/// clamped at the borders). Each output row blends two horizontally resampled source rows, kept in float buffers and
/// reused while consecutive output rows read the same source rows. The source columns and weights of the output columns
/// are worked out once per call. Every path computes <c>a + (b − a) · w</c> in single precision, a product then a sum
/// (never fused), so vector and scalar code give the same bits.
/// </summary>
internal static class BilinearResize
{
    /// <summary>Resizes a UInt8 (<see cref="byte"/>) or Float32 (<see cref="float"/>) image.</summary>
    public static void Resize<T>(ReadOnlySpan<T> source, ImageShape from, Span<T> destination, ImageShape to)
        where T : unmanaged
    {
        if (typeof(T) != typeof(byte) && typeof(T) != typeof(float))
        {
            throw new NotSupportedException($"Bilinear resize takes bytes or floats, not {typeof(T).Name}.");
        }
        if (source.Length < from.ElementCount || destination.Length < to.ElementCount)
        {
            throw new ArgumentException("The image is larger than its buffers.", nameof(source));
        }
        var channels = from.Channels;
        var rowLength = to.Width * channels;
        var sourceRowLength = from.Width * channels;
        var pool = ArrayPool<float>.Shared;
        var pooledInts = ArrayPool<int>.Shared;
        // Bytes are widened to floats first (exactly), then resampled like floats. When the width stays, every weight is 0
        // and every blend a + (b − a) · 0 is a itself (b − a is finite for bytes), so the widened row is the answer.
        var widenOnly = typeof(T) == typeof(byte) && from.Width == to.Width;
        var left = pooledInts.Rent(to.Width);
        var right = pooledInts.Rent(to.Width);
        var weights = pool.Rent(to.Width);
        var upper = pool.Rent(rowLength);
        var lower = pool.Rent(rowLength);
        var widened = typeof(T) == typeof(byte) && !widenOnly ? pool.Rent(sourceRowLength) : null;
        try
        {
            for (var x = 0; x < to.Width; x++)
            {
                var (x0, x1, w) = Coordinate(x, from.Width, to.Width);
                left[x] = x0 * channels;
                right[x] = x1 * channels;
                weights[x] = w;
            }
            var columns = new Columns(left.AsSpan(0, to.Width), right.AsSpan(0, to.Width), weights.AsSpan(0, to.Width), channels);
            int upperRow = -1, lowerRow = -1;
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
                        Horizontal(source.Slice(sy0 * sourceRowLength, sourceRowLength), upper.AsSpan(0, rowLength), columns, widenOnly, widened);
                        upperRow = sy0;
                    }
                }
                if (sy1 != lowerRow)
                {
                    Horizontal(source.Slice(sy1 * sourceRowLength, sourceRowLength), lower.AsSpan(0, rowLength), columns, widenOnly, widened);
                    lowerRow = sy1;
                }
                var output = destination.Slice(y * rowLength, rowLength);
                if (typeof(T) == typeof(float))
                {
                    Vertical(upper.AsSpan(0, rowLength), lower.AsSpan(0, rowLength), wy, MemoryMarshal.Cast<T, float>(output));
                }
                else
                {
                    Vertical(upper.AsSpan(0, rowLength), lower.AsSpan(0, rowLength), wy, MemoryMarshal.Cast<T, byte>(output));
                }
            }
        }
        finally
        {
            pooledInts.Return(left);
            pooledInts.Return(right);
            pool.Return(weights);
            pool.Return(upper);
            pool.Return(lower);
            if (widened is not null)
            {
                pool.Return(widened);
            }
        }
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

    /// <summary>One source row resampled to the output width, into <paramref name="output"/>.</summary>
    private static void Horizontal<T>(ReadOnlySpan<T> row, Span<float> output, in Columns columns, bool widenOnly, float[]? widened)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            columns.Resample(MemoryMarshal.Cast<T, float>(row), output);
        }
        else if (widenOnly)
        {
            PixelConvert.ToFloat(MemoryMarshal.Cast<T, byte>(row), output, 1f);
        }
        else
        {
            var floats = widened.AsSpan(0, row.Length);
            PixelConvert.ToFloat(MemoryMarshal.Cast<T, byte>(row), floats, 1f);
            columns.Resample(floats, output);
        }
    }

    /// <summary>Float output: <c>upper + (lower − upper) · wy</c>.</summary>
    private static void Vertical(ReadOnlySpan<float> upper, ReadOnlySpan<float> lower, float wy, Span<float> output)
    {
        ref var top = ref MemoryMarshal.GetReference(upper);
        ref var bottom = ref MemoryMarshal.GetReference(lower);
        ref var to = ref MemoryMarshal.GetReference(output);
        var length = (nuint)output.Length;
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var weight = new Vector<float>(wy);
            var lanes = (nuint)Vector<float>.Count;
            for (; i + lanes <= length; i += lanes)
            {
                var a = PixelConvert.Load(ref top, i);
                PixelConvert.Store(a + ((PixelConvert.Load(ref bottom, i) - a) * weight), ref to, i);
            }
        }
        for (; i < length; i++)
        {
            var a = Unsafe.Add(ref top, i);
            Unsafe.Add(ref to, i) = a + ((Unsafe.Add(ref bottom, i) - a) * wy);
        }
    }

    /// <summary>Byte output: the blend rounded half up (<c>blend + 0.5</c>, truncated), saturated to 0..255.</summary>
    private static void Vertical(ReadOnlySpan<float> upper, ReadOnlySpan<float> lower, float wy, Span<byte> output)
    {
        ref var top = ref MemoryMarshal.GetReference(upper);
        ref var bottom = ref MemoryMarshal.GetReference(lower);
        ref var to = ref MemoryMarshal.GetReference(output);
        var length = (nuint)output.Length;
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var weight = new Vector<float>(wy);
            var half = new Vector<float>(0.5f);
            var max = new Vector<float>(255f);
            var lanes = (nuint)Vector<float>.Count;
            var step = (nuint)Vector<byte>.Count;
            for (; i + step <= length; i += step)
            {
                var a = Round(ref top, ref bottom, i, weight, half, max);
                var b = Round(ref top, ref bottom, i + lanes, weight, half, max);
                var c = Round(ref top, ref bottom, i + (2 * lanes), weight, half, max);
                var d = Round(ref top, ref bottom, i + (3 * lanes), weight, half, max);
                var bytes = Vector.Narrow(Vector.AsVectorUInt16(Vector.Narrow(a, b)), Vector.AsVectorUInt16(Vector.Narrow(c, d)));
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, i), bytes);
            }
        }
        for (; i < length; i++)
        {
            var a = Unsafe.Add(ref top, i);
            Unsafe.Add(ref to, i) = byte.CreateSaturating(a + ((Unsafe.Add(ref bottom, i) - a) * wy) + 0.5f);
        }
    }

    /// <summary>
    /// Lanes of <c>trunc(clamp(blend + 0.5, 0, 255))</c>, which is what <see cref="byte.CreateSaturating{TOther}"/> gives
    /// for every blend of two bytes (blends of bytes are never NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> Round(ref float top, ref float bottom, nuint at, Vector<float> weight, Vector<float> half, Vector<float> max)
    {
        var a = PixelConvert.Load(ref top, at);
        var blend = a + ((PixelConvert.Load(ref bottom, at) - a) * weight);
        return Vector.ConvertToInt32(Vector.Min(Vector.Max(blend + half, Vector<float>.Zero), max));
    }

    /// <summary>The source offsets (left and right neighbour, in elements) and the weight of the right one, per output column.</summary>
    private readonly ref struct Columns(ReadOnlySpan<int> left, ReadOnlySpan<int> right, ReadOnlySpan<float> weights, int channels)
    {
        private readonly ReadOnlySpan<int> _left = left;
        private readonly ReadOnlySpan<int> _right = right;
        private readonly ReadOnlySpan<float> _weights = weights;

        public void Resample(ReadOnlySpan<float> row, Span<float> output)
        {
            if (output.Length < _left.Length * channels || _left.Length > _right.Length || _left.Length > _weights.Length)
            {
                throw new ArgumentException("The output row is shorter than the columns.", nameof(output));
            }
            ref var source = ref MemoryMarshal.GetReference(row);
            ref var to = ref MemoryMarshal.GetReference(output);
            ref var left = ref MemoryMarshal.GetReference(_left);
            ref var right = ref MemoryMarshal.GetReference(_right);
            ref var weights = ref MemoryMarshal.GetReference(_weights);
            var x = 0;
            if (Vector128.IsHardwareAccelerated && channels is >= 2 and <= 4)
            {
                // One pixel per step as a 4-lane vector; with fewer than 4 channels the spare lanes spill into the next
                // pixel, which the next step overwrites. So the loads must stay inside the row (right offsets only grow
                // with x) and the store inside the output: the last columns are left to the scalar loop.
                var vectorColumns = _left.Length - (channels == 4 ? 0 : 1);
                while (vectorColumns > 0 && Unsafe.Add(ref right, vectorColumns - 1) + 4 > row.Length)
                {
                    vectorColumns--;
                }
                for (; x < vectorColumns; x++)
                {
                    var a = Vector128.LoadUnsafe(ref source, (nuint)Unsafe.Add(ref left, x));
                    var b = Vector128.LoadUnsafe(ref source, (nuint)Unsafe.Add(ref right, x));
                    (a + ((b - a) * Vector128.Create(Unsafe.Add(ref weights, x)))).StoreUnsafe(ref to, (nuint)(x * channels));
                }
            }
            if (channels == 3)
            {
                for (; x < _left.Length; x++)
                {
                    int a = Unsafe.Add(ref left, x), b = Unsafe.Add(ref right, x), o = x * 3;
                    var w = Unsafe.Add(ref weights, x);
                    float l0 = Unsafe.Add(ref source, a), l1 = Unsafe.Add(ref source, a + 1), l2 = Unsafe.Add(ref source, a + 2);
                    Unsafe.Add(ref to, o) = l0 + ((Unsafe.Add(ref source, b) - l0) * w);
                    Unsafe.Add(ref to, o + 1) = l1 + ((Unsafe.Add(ref source, b + 1) - l1) * w);
                    Unsafe.Add(ref to, o + 2) = l2 + ((Unsafe.Add(ref source, b + 2) - l2) * w);
                }
                return;
            }
            for (; x < _left.Length; x++)
            {
                int a = Unsafe.Add(ref left, x), b = Unsafe.Add(ref right, x), o = x * channels;
                var w = Unsafe.Add(ref weights, x);
                for (var c = 0; c < channels; c++)
                {
                    var l = Unsafe.Add(ref source, a + c);
                    Unsafe.Add(ref to, o + c) = l + ((Unsafe.Add(ref source, b + c) - l) * w);
                }
            }
        }
    }
}
