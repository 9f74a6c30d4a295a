using System.Numerics;

namespace SharpServing.Imaging.Kernels;

/// <summary>Element conversions of image data, vectorized where the hardware allows.</summary>
internal static class PixelConvert
{
    /// <summary><c>destination[i] = source[i] · scale</c>.</summary>
    public static void ToFloat(ReadOnlySpan<byte> source, Span<float> destination, float scale)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(scale);
            var step = Vector<byte>.Count;
            var quarter = Vector<float>.Count;
            for (; i <= source.Length - step; i += step)
            {
                Vector.Widen(new Vector<byte>(source[i..]), out var low, out var high);
                Vector.Widen(low, out var a, out var b);
                Vector.Widen(high, out var c, out var d);
                (Vector.ConvertToSingle(a) * factor).CopyTo(destination[i..]);
                (Vector.ConvertToSingle(b) * factor).CopyTo(destination[(i + quarter)..]);
                (Vector.ConvertToSingle(c) * factor).CopyTo(destination[(i + (2 * quarter))..]);
                (Vector.ConvertToSingle(d) * factor).CopyTo(destination[(i + (3 * quarter))..]);
            }
        }
        for (; i < source.Length; i++)
        {
            destination[i] = source[i] * scale;
        }
    }

    /// <summary><c>data[i] = data[i] · scale</c>.</summary>
    public static void Scale(Span<float> data, float scale)
    {
        if (scale == 1f)
        {
            return;
        }
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(scale);
            for (; i <= data.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(data[i..]) * factor).CopyTo(data[i..]);
            }
        }
        for (; i < data.Length; i++)
        {
            data[i] *= scale;
        }
    }

    /// <summary>
    /// <c>data[i] = data[i] · multiply[c] + add[c]</c> where <c>c = i mod channels</c>. The per-channel factors are laid
    /// out in a pattern whose length is a multiple of both the channel count and the vector width, so whole vectors apply.
    /// </summary>
    public static void AffinePerChannel(Span<float> data, ReadOnlySpan<float> multiply, ReadOnlySpan<float> add)
    {
        var channels = multiply.Length;
        var lanes = Vector<float>.Count;
        var patternLength = channels * lanes / (int)BigInteger.GreatestCommonDivisor(channels, lanes);
        var i = 0;
        if (Vector.IsHardwareAccelerated && patternLength <= 1024 && data.Length >= patternLength)
        {
            var mulPattern = new float[patternLength];
            var addPattern = new float[patternLength];
            for (var p = 0; p < patternLength; p++)
            {
                mulPattern[p] = multiply[p % channels];
                addPattern[p] = add[p % channels];
            }
            for (; i <= data.Length - patternLength; i += patternLength)
            {
                for (var p = 0; p < patternLength; p += lanes)
                {
                    var slice = data[(i + p)..];
                    (new Vector<float>(slice) * new Vector<float>(mulPattern, p) + new Vector<float>(addPattern, p)).CopyTo(slice);
                }
            }
        }
        for (var c = i % channels; i < data.Length; i++)
        {
            data[i] = data[i] * multiply[c] + add[c];
            if (++c == channels)
            {
                c = 0;
            }
        }
    }
}
