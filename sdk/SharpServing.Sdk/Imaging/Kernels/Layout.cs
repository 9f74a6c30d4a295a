using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpServing.Imaging.Kernels;

/// <summary>
/// Moves of whole elements between layouts, for any element size. Layout changes are byte moves, so the vector paths work
/// on bytes with byte shuffles (one table per call, built from the element size and channel count) and serve every type.
/// </summary>
internal static class Layout
{
    /// <summary>A shuffle index that selects nothing (the lane becomes zero), to be combined with other shuffles by OR.</summary>
    private const byte None = 0x80;

    /// <summary>HWC → CHW (<paramref name="toPlanar"/>) or CHW → HWC, for one image of <c>pixels</c> pixels of <paramref name="itemSize"/>-byte elements.</summary>
    public static void Transpose(ReadOnlySpan<byte> source, Span<byte> destination, int pixels, int channels, int itemSize, bool toPlanar)
    {
        if ((long)pixels * channels * itemSize > Math.Min(source.Length, destination.Length))
        {
            throw new ArgumentException("The image is larger than its buffers.", nameof(pixels));
        }
        if (channels == 1)
        {
            source.CopyTo(destination);
            return;
        }
        var done = 0;
        if (Vector128.IsHardwareAccelerated && channels <= 4 && 16 % itemSize == 0)
        {
            done = toPlanar
                ? Deinterleave(source, destination, pixels, channels, itemSize)
                : Interleave(source, destination, pixels, channels, itemSize);
        }
        switch (itemSize)
        {
            case 1:
                TransposeRest(source, destination, pixels, channels, toPlanar, done);
                break;
            case 2:
                TransposeRest(MemoryMarshal.Cast<byte, ushort>(source), MemoryMarshal.Cast<byte, ushort>(destination), pixels, channels, toPlanar, done);
                break;
            case 4:
                TransposeRest(MemoryMarshal.Cast<byte, uint>(source), MemoryMarshal.Cast<byte, uint>(destination), pixels, channels, toPlanar, done);
                break;
            default:
                TransposeRest(MemoryMarshal.Cast<byte, ulong>(source), MemoryMarshal.Cast<byte, ulong>(destination), pixels, channels, toPlanar, done);
                break;
        }
    }

    /// <summary>
    /// Interleaved → planar for whole blocks of <c>16 / itemSize</c> pixels: the block's <c>channels</c> source vectors
    /// make one vector per plane, each the OR of one shuffle of every source vector. Returns the pixels done.
    /// </summary>
    private static int Deinterleave(ReadOnlySpan<byte> source, Span<byte> destination, int pixels, int channels, int itemSize)
    {
        var perBlock = 16 / itemSize;
        var blocks = pixels / perBlock;
        Span<Vector128<byte>> masks = stackalloc Vector128<byte>[channels * channels];
        Span<byte> mask = stackalloc byte[16];
        for (var c = 0; c < channels; c++)
        {
            for (var v = 0; v < channels; v++)
            {
                for (var j = 0; j < 16; j++)
                {
                    // Byte j of plane c's vector is byte (j mod itemSize) of element c of pixel j / itemSize in the block.
                    var from = ((((j / itemSize) * channels) + c) * itemSize) + (j % itemSize);
                    mask[j] = from / 16 == v ? (byte)(from % 16) : None;
                }
                masks[(c * channels) + v] = Vector128.Create<byte>(mask);
            }
        }
        ref var from0 = ref MemoryMarshal.GetReference(source);
        ref var to0 = ref MemoryMarshal.GetReference(destination);
        var planeBytes = (nuint)pixels * (nuint)itemSize;
        if (channels == 3)
        {
            // The common case, with the nine masks in registers.
            Vector128<byte> m00 = masks[0], m01 = masks[1], m02 = masks[2], m10 = masks[3], m11 = masks[4], m12 = masks[5],
                m20 = masks[6], m21 = masks[7], m22 = masks[8];
            for (nuint b = 0, end = (nuint)blocks * 16; b < end; b += 16)
            {
                var s0 = Vector128.LoadUnsafe(ref from0, 3 * b);
                var s1 = Vector128.LoadUnsafe(ref from0, (3 * b) + 16);
                var s2 = Vector128.LoadUnsafe(ref from0, (3 * b) + 32);
                (Vector128.ShuffleNative(s0, m00) | Vector128.ShuffleNative(s1, m01) | Vector128.ShuffleNative(s2, m02)).StoreUnsafe(ref to0, b);
                (Vector128.ShuffleNative(s0, m10) | Vector128.ShuffleNative(s1, m11) | Vector128.ShuffleNative(s2, m12)).StoreUnsafe(ref to0, planeBytes + b);
                (Vector128.ShuffleNative(s0, m20) | Vector128.ShuffleNative(s1, m21) | Vector128.ShuffleNative(s2, m22)).StoreUnsafe(ref to0, (2 * planeBytes) + b);
            }
            return blocks * perBlock;
        }
        Span<Vector128<byte>> loaded = stackalloc Vector128<byte>[channels];
        for (nuint b = 0, end = (nuint)blocks * 16; b < end; b += 16)
        {
            for (var v = 0; v < channels; v++)
            {
                loaded[v] = Vector128.LoadUnsafe(ref from0, ((nuint)channels * b) + (nuint)(16 * v));
            }
            for (var c = 0; c < channels; c++)
            {
                var plane = Vector128<byte>.Zero;
                for (var v = 0; v < channels; v++)
                {
                    plane |= Vector128.ShuffleNative(loaded[v], masks[(c * channels) + v]);
                }
                plane.StoreUnsafe(ref to0, ((nuint)c * planeBytes) + b);
            }
        }
        return blocks * perBlock;
    }

    /// <summary>Planar → interleaved for whole blocks, the inverse of <see cref="Deinterleave"/>. Returns the pixels done.</summary>
    private static int Interleave(ReadOnlySpan<byte> source, Span<byte> destination, int pixels, int channels, int itemSize)
    {
        var perBlock = 16 / itemSize;
        var blocks = pixels / perBlock;
        Span<Vector128<byte>> masks = stackalloc Vector128<byte>[channels * channels];
        Span<byte> mask = stackalloc byte[16];
        for (var v = 0; v < channels; v++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var j = 0; j < 16; j++)
                {
                    // Byte j of interleaved vector v is byte (q mod itemSize) of element q / itemSize of the block, q = 16v + j.
                    var q = (16 * v) + j;
                    var element = q / itemSize;
                    mask[j] = element % channels == c ? (byte)(((element / channels) * itemSize) + (q % itemSize)) : None;
                }
                masks[(v * channels) + c] = Vector128.Create<byte>(mask);
            }
        }
        ref var from0 = ref MemoryMarshal.GetReference(source);
        ref var to0 = ref MemoryMarshal.GetReference(destination);
        var planeBytes = (nuint)pixels * (nuint)itemSize;
        if (channels == 3)
        {
            Vector128<byte> m00 = masks[0], m01 = masks[1], m02 = masks[2], m10 = masks[3], m11 = masks[4], m12 = masks[5],
                m20 = masks[6], m21 = masks[7], m22 = masks[8];
            for (nuint b = 0, end = (nuint)blocks * 16; b < end; b += 16)
            {
                var p0 = Vector128.LoadUnsafe(ref from0, b);
                var p1 = Vector128.LoadUnsafe(ref from0, planeBytes + b);
                var p2 = Vector128.LoadUnsafe(ref from0, (2 * planeBytes) + b);
                (Vector128.ShuffleNative(p0, m00) | Vector128.ShuffleNative(p1, m01) | Vector128.ShuffleNative(p2, m02)).StoreUnsafe(ref to0, 3 * b);
                (Vector128.ShuffleNative(p0, m10) | Vector128.ShuffleNative(p1, m11) | Vector128.ShuffleNative(p2, m12)).StoreUnsafe(ref to0, (3 * b) + 16);
                (Vector128.ShuffleNative(p0, m20) | Vector128.ShuffleNative(p1, m21) | Vector128.ShuffleNative(p2, m22)).StoreUnsafe(ref to0, (3 * b) + 32);
            }
            return blocks * perBlock;
        }
        Span<Vector128<byte>> loaded = stackalloc Vector128<byte>[channels];
        for (nuint b = 0, end = (nuint)blocks * 16; b < end; b += 16)
        {
            for (var c = 0; c < channels; c++)
            {
                loaded[c] = Vector128.LoadUnsafe(ref from0, ((nuint)c * planeBytes) + b);
            }
            for (var v = 0; v < channels; v++)
            {
                var packed = Vector128<byte>.Zero;
                for (var c = 0; c < channels; c++)
                {
                    packed |= Vector128.ShuffleNative(loaded[c], masks[(v * channels) + c]);
                }
                packed.StoreUnsafe(ref to0, ((nuint)channels * b) + (nuint)(16 * v));
            }
        }
        return blocks * perBlock;
    }

    /// <summary>The element-by-element transpose of pixels <paramref name="start"/> and on.</summary>
    private static void TransposeRest<T>(ReadOnlySpan<T> source, Span<T> destination, int pixels, int channels, bool toPlanar, int start)
        where T : unmanaged
    {
        if ((long)pixels * channels > Math.Min(source.Length, destination.Length))
        {
            throw new ArgumentException("The image is larger than its buffers.", nameof(pixels));
        }
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(destination);
        for (var p = start; p < pixels; p++)
        {
            var pixel = (nint)p * channels;
            for (var c = 0; c < channels; c++)
            {
                var planar = ((nint)c * pixels) + p;
                if (toPlanar)
                {
                    Unsafe.Add(ref to, planar) = Unsafe.Add(ref from, pixel + c);
                }
                else
                {
                    Unsafe.Add(ref to, pixel + c) = Unsafe.Add(ref from, planar);
                }
            }
        }
    }

    /// <summary>
    /// Copies the pixels of <paramref name="source"/> (<paramref name="channels"/> elements of <paramref name="itemSize"/>
    /// bytes each) and swaps channels 0 and 2 of each.
    /// </summary>
    public static void SwapRedBlue(ReadOnlySpan<byte> source, Span<byte> destination, int channels, int itemSize)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }
        var pixelBytes = channels * itemSize;
        var i = 0;
        if (Vector128.IsHardwareAccelerated && pixelBytes <= 16)
        {
            // Each step shuffles the whole pixels that fit in 16 bytes; the bytes after them are copied as they are and
            // rewritten by the next step (or the scalar tail), which starts right after the last whole pixel.
            var perStep = 16 / pixelBytes * pixelBytes;
            Span<byte> table = stackalloc byte[16];
            for (var j = 0; j < 16; j++)
            {
                var channel = j % pixelBytes / itemSize;
                var swapped = channel switch { 0 => 2, 2 => 0, _ => channel };
                table[j] = j < perStep ? (byte)(j - ((channel - swapped) * itemSize)) : (byte)j;
            }
            var mask = Vector128.Create<byte>(table);
            ref var from = ref MemoryMarshal.GetReference(source);
            ref var to = ref MemoryMarshal.GetReference(destination);
            for (; i <= source.Length - 16; i += perStep)
            {
                Vector128.ShuffleNative(Vector128.LoadUnsafe(ref from, (nuint)i), mask).StoreUnsafe(ref to, (nuint)i);
            }
        }
        switch (itemSize)
        {
            case 1:
                SwapRest(source[i..], destination[i..], channels);
                break;
            case 2:
                SwapRest(MemoryMarshal.Cast<byte, ushort>(source[i..]), MemoryMarshal.Cast<byte, ushort>(destination[i..]), channels);
                break;
            case 4:
                SwapRest(MemoryMarshal.Cast<byte, uint>(source[i..]), MemoryMarshal.Cast<byte, uint>(destination[i..]), channels);
                break;
            default:
                SwapRest(MemoryMarshal.Cast<byte, ulong>(source[i..]), MemoryMarshal.Cast<byte, ulong>(destination[i..]), channels);
                break;
        }
    }

    private static void SwapRest<T>(ReadOnlySpan<T> source, Span<T> destination, int channels)
        where T : unmanaged
    {
        source.CopyTo(destination);
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(destination);
        for (nint i = 0, end = source.Length - channels; i <= end; i += channels)
        {
            Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i + 2);
            Unsafe.Add(ref to, i + 2) = Unsafe.Add(ref from, i);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with one element value given as its bytes.</summary>
    public static void Fill(Span<byte> destination, ReadOnlySpan<byte> element)
    {
        if (element.IndexOfAnyExcept((byte)0) < 0)
        {
            destination.Clear();
            return;
        }
        if (destination.IsEmpty)
        {
            return;
        }
        // Fill by doubling: each copy doubles the filled prefix.
        element.CopyTo(destination);
        var filled = element.Length;
        while (filled < destination.Length)
        {
            var count = Math.Min(filled, destination.Length - filled);
            destination[..count].CopyTo(destination[filled..]);
            filled += count;
        }
    }
}
