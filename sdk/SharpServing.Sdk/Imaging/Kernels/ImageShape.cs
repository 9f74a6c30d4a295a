namespace SharpServing.Imaging.Kernels;

/// <summary>The height, width and channels of an HWC image tensor (rank 3, or rank 2 for one channel).</summary>
internal readonly record struct ImageShape(int Height, int Width, int Channels)
{
    public long ElementCount => (long)Height * Width * Channels;

    public long[] ToDims(int rank) => rank == 2 ? [Height, Width] : [Height, Width, Channels];

    public static ImageShape Of(Tensor image, string operation)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!image.DataType.IsNumeric())
        {
            throw new ArgumentException($"{operation} needs a numeric image tensor, not {image.DataType}.", nameof(image));
        }
        var dims = image.Shape;
        if (dims.Length is not (2 or 3) || dims[0] > int.MaxValue || dims[1] > int.MaxValue || (dims.Length == 3 && dims[2] > int.MaxValue))
        {
            throw new ArgumentException(
                $"{operation} needs an HWC image tensor of rank 3 (or an HW tensor of rank 2); got {image.DataType}{Tensor.FormatShape(dims)}.", nameof(image));
        }
        return new ImageShape((int)dims[0], (int)dims[1], dims.Length == 3 ? (int)dims[2] : 1);
    }
}
