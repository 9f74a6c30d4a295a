namespace SharpServing.Imaging.Kernels;

/// <summary>Moves of whole elements between layouts, for any element type of the given size.</summary>
internal static class Layout
{
    /// <summary>HWC → CHW (<paramref name="toPlanar"/>) or CHW → HWC, for one image of <c>pixels</c> pixels.</summary>
    public static void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, int pixels, int channels, bool toPlanar)
        where T : unmanaged
    {
        if (channels == 1)
        {
            source.CopyTo(destination);
            return;
        }
        for (var c = 0; c < channels; c++)
        {
            var plane = c * pixels;
            if (toPlanar)
            {
                for (int p = 0, i = c; p < pixels; p++, i += channels)
                {
                    destination[plane + p] = source[i];
                }
            }
            else
            {
                for (int p = 0, i = c; p < pixels; p++, i += channels)
                {
                    destination[i] = source[plane + p];
                }
            }
        }
    }

    /// <summary>Copies the pixels of <paramref name="source"/> and swaps channels 0 and 2 of each.</summary>
    public static void SwapRedBlue<T>(ReadOnlySpan<T> source, Span<T> destination, int channels)
        where T : unmanaged
    {
        source.CopyTo(destination);
        for (var i = 0; i < destination.Length; i += channels)
        {
            (destination[i], destination[i + 2]) = (source[i + 2], source[i]);
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
