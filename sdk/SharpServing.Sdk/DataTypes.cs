namespace SharpServing;

/// <summary>Facts about <see cref="DataType"/> values: item sizes, CLR types, the names used in error texts.</summary>
public static class DataTypes
{
    /// <summary>True for the numeric types (bool through float64), whose elements live in contiguous bytes.</summary>
    public static bool IsNumeric(this DataType type) => type is >= DataType.Bool and <= DataType.Float64;

    /// <summary>True for <see cref="DataType.String"/> and <see cref="DataType.Bytes"/>, whose elements are byte items.</summary>
    public static bool IsItems(this DataType type) => type is DataType.String or DataType.Bytes;

    /// <summary>True for a value the protocol defines (1..14).</summary>
    public static bool IsDefined(this DataType type) => type is >= DataType.Bool and <= DataType.Bytes;

    /// <summary>Bytes per element of a numeric type; 0 for string, bytes and unknown.</summary>
    public static int ItemSize(this DataType type) => type switch
    {
        DataType.Bool or DataType.Int8 or DataType.UInt8 => 1,
        DataType.Int16 or DataType.UInt16 or DataType.Float16 => 2,
        DataType.Int32 or DataType.UInt32 or DataType.Float32 => 4,
        DataType.Int64 or DataType.UInt64 or DataType.Float64 => 8,
        _ => 0,
    };

    /// <summary>The internal name used in model dtype-mismatch texts, e.g. <c>kMSI_Float32</c>.</summary>
    public static string InternalName(this DataType type) => type switch
    {
        DataType.Bool => "kMSI_Bool",
        DataType.Int8 => "kMSI_Int8",
        DataType.UInt8 => "kMSI_Uint8",
        DataType.Int16 => "kMSI_Int16",
        DataType.UInt16 => "kMSI_Uint16",
        DataType.Int32 => "kMSI_Int32",
        DataType.UInt32 => "kMSI_Uint32",
        DataType.Int64 => "kMSI_Int64",
        DataType.UInt64 => "kMSI_Uint64",
        DataType.Float16 => "kMSI_Float16",
        DataType.Float32 => "kMSI_Float32",
        DataType.Float64 => "kMSI_Float64",
        DataType.String => "kMSI_String",
        DataType.Bytes => "kMSI_Bytes",
        _ => "kMSI_Unknown",
    };

    /// <summary>The CLR element type of a data type (<c>string</c> and <c>byte[]</c> for the item types).</summary>
    public static Type ClrType(this DataType type) => type switch
    {
        DataType.Bool => typeof(bool),
        DataType.Int8 => typeof(sbyte),
        DataType.UInt8 => typeof(byte),
        DataType.Int16 => typeof(short),
        DataType.UInt16 => typeof(ushort),
        DataType.Int32 => typeof(int),
        DataType.UInt32 => typeof(uint),
        DataType.Int64 => typeof(long),
        DataType.UInt64 => typeof(ulong),
        DataType.Float16 => typeof(Half),
        DataType.Float32 => typeof(float),
        DataType.Float64 => typeof(double),
        DataType.String => typeof(string),
        DataType.Bytes => typeof(byte[]),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown data type."),
    };

    /// <summary>The data type of a CLR element type, or <see cref="DataType.Unknown"/> when there is none.</summary>
    public static DataType FromClrType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => DataType.Bool,
            TypeCode.SByte => DataType.Int8,
            TypeCode.Byte => DataType.UInt8,
            TypeCode.Int16 => DataType.Int16,
            TypeCode.UInt16 => DataType.UInt16,
            TypeCode.Int32 => DataType.Int32,
            TypeCode.UInt32 => DataType.UInt32,
            TypeCode.Int64 => DataType.Int64,
            TypeCode.UInt64 => DataType.UInt64,
            TypeCode.Single => DataType.Float32,
            TypeCode.Double => DataType.Float64,
            TypeCode.String => DataType.String,
            _ when type == typeof(Half) => DataType.Float16,
            _ when type == typeof(byte[]) => DataType.Bytes,
            _ => DataType.Unknown,
        };
    }

    /// <summary>The data type of a numeric CLR element type <typeparamref name="T"/>; throws for other types.</summary>
    public static DataType Of<T>() where T : unmanaged
    {
        var type = FromClrType(typeof(T));
        if (!type.IsNumeric())
        {
            throw new ArgumentException($"Type {typeof(T).Name} is not a tensor element type.", nameof(T));
        }
        return type;
    }
}
