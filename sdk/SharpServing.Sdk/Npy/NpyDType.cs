using System.Globalization;

namespace SharpServing;

/// <summary>A numpy dtype string (<c>&lt;f4</c>, <c>|b1</c>, <c>&lt;U7</c>, <c>|S3</c>) and what it maps to.</summary>
/// <param name="DataType">The tensor element type.</param>
/// <param name="ItemSize">Bytes per element in the file.</param>
/// <param name="BigEndian">Whether multi-byte elements must be swapped.</param>
internal readonly record struct NpyDType(DataType DataType, int ItemSize, bool BigEndian)
{
    public static NpyDType Parse(string descr)
    {
        if (descr.Length < 2)
        {
            throw Unsupported(descr);
        }
        var order = descr[0];
        var rest = descr;
        var bigEndian = false;
        switch (order)
        {
            case '<' or '|' or '=':
                rest = descr[1..];
                bigEndian = order == '=' && !BitConverter.IsLittleEndian;
                break;
            case '>':
                rest = descr[1..];
                bigEndian = true;
                break;
        }
        if (rest.Length < 2 || !int.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw Unsupported(descr);
        }
        if (size == 0)
        {
            // numpy never writes a zero-width string dtype ('U0', 'S0'); its items would take no bytes, so the shape alone
            // would say how many empty items to make.
            throw new InvalidDataException($"The .npy dtype '{descr}' has items of 0 bytes.");
        }
        var type = (rest[0], size) switch
        {
            ('b', 1) => DataType.Bool,
            ('i', 1) => DataType.Int8,
            ('i', 2) => DataType.Int16,
            ('i', 4) => DataType.Int32,
            ('i', 8) => DataType.Int64,
            ('u', 1) => DataType.UInt8,
            ('u', 2) => DataType.UInt16,
            ('u', 4) => DataType.UInt32,
            ('u', 8) => DataType.UInt64,
            ('f', 2) => DataType.Float16,
            ('f', 4) => DataType.Float32,
            ('f', 8) => DataType.Float64,
            ('U', _) => DataType.String,
            ('S' or 'a', _) => DataType.Bytes,
            _ => throw Unsupported(descr),
        };
        // A 'U' item is size code points of UTF-32.
        if (type == DataType.String && size > int.MaxValue / 4)
        {
            throw Unsupported(descr);
        }
        var itemSize = type == DataType.String ? size * 4 : size;
        return new NpyDType(type, itemSize, bigEndian && (type == DataType.String || type.ItemSize() > 1));
    }

    /// <summary>The descr numpy writes for a numeric type (little-endian).</summary>
    public static string Describe(DataType type) => type switch
    {
        DataType.Bool => "|b1",
        DataType.Int8 => "|i1",
        DataType.UInt8 => "|u1",
        DataType.Int16 => "<i2",
        DataType.UInt16 => "<u2",
        DataType.Int32 => "<i4",
        DataType.UInt32 => "<u4",
        DataType.Int64 => "<i8",
        DataType.UInt64 => "<u8",
        DataType.Float16 => "<f2",
        DataType.Float32 => "<f4",
        DataType.Float64 => "<f8",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a numeric data type."),
    };

    private static NotSupportedException Unsupported(string descr)
        => new($"The .npy dtype '{descr}' is not supported; supported: bool, int8..int64, uint8..uint64, float16/32/64, unicode ('U') and bytes ('S').");
}
