using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpServing.Imaging.Kernels;

/// <summary>
/// Element conversions of image data, vectorized where the hardware allows. Every vector path computes exactly what its
/// scalar tail computes (a product, then a sum; never a fused multiply-add), so results do not depend on the hardware.
/// </summary>
internal static class PixelConvert
{
    /// <summary><c>destination[i] = source[i] · scale</c>.</summary>
    public static void ToFloat(ReadOnlySpan<byte> source, Span<float> destination, float scale)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(destination);
        var length = (nuint)source.Length;
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(scale);
            var step = (nuint)Vector<byte>.Count;
            var lanes = (nuint)Vector<float>.Count;
            for (; i + step <= length; i += step)
            {
                Widen(Unsafe.ReadUnaligned<Vector<byte>>(ref Unsafe.Add(ref from, i)), out var a, out var b, out var c, out var d);
                Store(a * factor, ref to, i);
                Store(b * factor, ref to, i + lanes);
                Store(c * factor, ref to, i + (2 * lanes));
                Store(d * factor, ref to, i + (3 * lanes));
            }
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i) * scale;
        }
    }

    /// <summary><c>destination[i] = source[i] · scale</c> (<paramref name="destination"/> may be <paramref name="source"/> itself).</summary>
    public static void Scale(ReadOnlySpan<float> source, Span<float> destination, float scale)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(destination);
        var length = (nuint)source.Length;
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(scale);
            var lanes = (nuint)Vector<float>.Count;
            for (; i + lanes <= length; i += lanes)
            {
                Store(Load(ref from, i) * factor, ref to, i);
            }
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i) * scale;
        }
    }

    /// <summary>
    /// <c>destination[i] = source[i] · multiply[c] + add[c]</c> where <c>c = i mod channels</c>, for bytes widened to
    /// floats. Same results as <see cref="ToFloat"/> with scale 1 followed by the float overload, in one pass.
    /// </summary>
    public static void AffinePerChannel(ReadOnlySpan<byte> source, Span<float> destination, ReadOnlySpan<float> multiply, ReadOnlySpan<float> add)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }
        var channels = multiply.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && TryPattern(channels, source.Length, out var patternLength))
        {
            Span<float> mulPattern = stackalloc float[patternLength];
            Span<float> addPattern = stackalloc float[patternLength];
            FillPattern(multiply, add, mulPattern, addPattern);
            ref var from = ref MemoryMarshal.GetReference(source);
            ref var to = ref MemoryMarshal.GetReference(destination);
            ref var mul = ref MemoryMarshal.GetReference(mulPattern);
            ref var plus = ref MemoryMarshal.GetReference(addPattern);
            var step = Vector<byte>.Count;
            var lanes = Vector<float>.Count;
            // The pattern repeats every patternLength elements, a multiple of the lane count, so each of the four widened
            // vectors starts at a lane-aligned offset p into it.
            for (var p = 0; i <= source.Length - step; i += step)
            {
                Widen(Unsafe.ReadUnaligned<Vector<byte>>(ref Unsafe.Add(ref from, i)), out var a, out var b, out var c, out var d);
                var at = (nuint)i;
                Store((a * Load(ref mul, (nuint)p)) + Load(ref plus, (nuint)p), ref to, at);
                p = Next(p, lanes, patternLength);
                Store((b * Load(ref mul, (nuint)p)) + Load(ref plus, (nuint)p), ref to, at + (nuint)lanes);
                p = Next(p, lanes, patternLength);
                Store((c * Load(ref mul, (nuint)p)) + Load(ref plus, (nuint)p), ref to, at + (nuint)(2 * lanes));
                p = Next(p, lanes, patternLength);
                Store((d * Load(ref mul, (nuint)p)) + Load(ref plus, (nuint)p), ref to, at + (nuint)(3 * lanes));
                p = Next(p, lanes, patternLength);
            }
        }
        for (var c = i % channels; i < source.Length; i++)
        {
            destination[i] = (source[i] * multiply[c]) + add[c];
            if (++c == channels)
            {
                c = 0;
            }
        }
    }

    /// <summary>
    /// <c>destination[i] = source[i] · multiply[c] + add[c]</c> where <c>c = i mod channels</c> (<paramref name="destination"/>
    /// may be <paramref name="source"/> itself). The per-channel factors are laid out in a pattern whose length is a
    /// multiple of both the channel count and the vector width, so whole vectors apply.
    /// </summary>
    public static void AffinePerChannel(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<float> multiply, ReadOnlySpan<float> add)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }
        var channels = multiply.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && TryPattern(channels, source.Length, out var patternLength))
        {
            Span<float> mulPattern = stackalloc float[patternLength];
            Span<float> addPattern = stackalloc float[patternLength];
            FillPattern(multiply, add, mulPattern, addPattern);
            ref var from = ref MemoryMarshal.GetReference(source);
            ref var to = ref MemoryMarshal.GetReference(destination);
            ref var mul = ref MemoryMarshal.GetReference(mulPattern);
            ref var plus = ref MemoryMarshal.GetReference(addPattern);
            var lanes = Vector<float>.Count;
            for (var p = 0; i <= source.Length - lanes; i += lanes)
            {
                Store((Load(ref from, (nuint)i) * Load(ref mul, (nuint)p)) + Load(ref plus, (nuint)p), ref to, (nuint)i);
                p = Next(p, lanes, patternLength);
            }
        }
        for (var c = i % channels; i < source.Length; i++)
        {
            destination[i] = (source[i] * multiply[c]) + add[c];
            if (++c == channels)
            {
                c = 0;
            }
        }
    }

    /// <summary>The length of the per-channel pattern: the least common multiple of the channel count and the lane count.</summary>
    private static bool TryPattern(int channels, int length, out int patternLength)
    {
        var lanes = Vector<float>.Count;
        var common = channels;
        for (var b = lanes; b != 0;)
        {
            (common, b) = (b, common % b);
        }
        patternLength = channels / common * lanes;
        return patternLength <= 256 && length >= Vector<byte>.Count;
    }

    private static void FillPattern(ReadOnlySpan<float> multiply, ReadOnlySpan<float> add, Span<float> mulPattern, Span<float> addPattern)
    {
        for (int p = 0, c = 0; p < mulPattern.Length; p++)
        {
            mulPattern[p] = multiply[c];
            addPattern[p] = add[c];
            if (++c == multiply.Length)
            {
                c = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Next(int p, int lanes, int patternLength)
    {
        p += lanes;
        return p == patternLength ? 0 : p;
    }

    /// <summary>Bytes to floats, four vectors of them. Widening stops at signed ints (the values fit), whose conversion is one instruction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(Vector<byte> bytes, out Vector<float> a, out Vector<float> b, out Vector<float> c, out Vector<float> d)
    {
        Vector.Widen(bytes, out var low, out var high);
        Vector.Widen(low, out var w0, out var w1);
        Vector.Widen(high, out var w2, out var w3);
        a = Vector.ConvertToSingle(Vector.AsVectorInt32(w0));
        b = Vector.ConvertToSingle(Vector.AsVectorInt32(w1));
        c = Vector.ConvertToSingle(Vector.AsVectorInt32(w2));
        d = Vector.ConvertToSingle(Vector.AsVectorInt32(w3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Load(ref float start, nuint offset) =>
        Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(Vector<float> value, ref float start, nuint offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, offset)), value);
}
