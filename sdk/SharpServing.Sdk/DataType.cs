namespace SharpServing;

/// <summary>Element types of a tensor. Values are the wire codes of MindSpore Serving's <c>DataType</c> enum.</summary>
public enum DataType
{
    /// <summary>Invalid; never a valid tensor.</summary>
    Unknown = 0,
    Bool = 1,
    Int8 = 2,
    UInt8 = 3,
    Int16 = 4,
    UInt16 = 5,
    Int32 = 6,
    UInt32 = 7,
    Int64 = 8,
    UInt64 = 9,
    Float16 = 10,
    Float32 = 11,
    Float64 = 12,
    /// <summary>UTF-8 text items.</summary>
    String = 13,
    /// <summary>Raw byte items.</summary>
    Bytes = 14,
}
