namespace SharpServing.Engine;

/// <summary>
/// The tensor checks every protocol applies to a decoded wire tensor before it becomes a <see cref="Tensor"/>, with the
/// exact detail texts of the compatibility specification (section 4.5; note the double spaces).
/// Order: dtype; numeric: dims, then data size; string/bytes: item count, then dims.
/// </summary>
public static class WireTensorCheck
{
    /// <summary>Detail for a dtype of 0 or outside 1..14.</summary>
    public const string UnknownDataType = "Tensor check failed: input data type proto::MS_UNKNOWN invalid";

    /// <summary>Detail for a tensor whose data arrives in shared memory.</summary>
    public const string SharedMemory = "Tensor check failed: shared memory data is not supported";

    /// <summary>
    /// Checks a wire tensor's metadata; returns null when valid, else the detail text.
    /// </summary>
    /// <param name="dataType">The wire dtype value.</param>
    /// <param name="dims">The wire dims.</param>
    /// <param name="dataLength">Length of the numeric <c>data</c> field.</param>
    /// <param name="itemCount">Number of <c>bytes_val</c> items.</param>
    public static string? Check(int dataType, ReadOnlySpan<long> dims, long dataLength, int itemCount)
    {
        var type = (DataType)dataType;
        if (!type.IsDefined())
        {
            return UnknownDataType;
        }
        if (type.IsNumeric())
        {
            for (var i = 0; i < dims.Length; i++)
            {
                if (dims[i] < 0 || (dims[i] == 0 && i != dims.Length - 1))
                {
                    return $"Tensor check failed: input  shape {ErrorQuote.Shape(dims)} invalid";
                }
            }
            if (!TryByteSize(type, dims, out var expected) || expected != dataLength)
            {
                return $"Tensor check failed: input data size {dataLength} invalid";
            }
            return null;
        }
        if (itemCount != 1)
        {
            return "Instance tensor check failed: bytes or string type shape batch size can only be 1";
        }
        if (!(dims.Length == 0 || (dims.Length == 1 && dims[0] == 1)))
        {
            return $"Instance tensor check failed: bytes or string type input  shape can only be (1,) or empty, but given shape is {ErrorQuote.Shape(dims)}";
        }
        return null;
    }

    /// <summary>Element count × item size, false on 64-bit overflow.</summary>
    public static bool TryByteSize(DataType type, ReadOnlySpan<long> dims, out long bytes)
    {
        ulong count = 1;
        foreach (var d in dims)
        {
            if (d < 0)
            {
                bytes = 0;
                return false;
            }
            var next = count * (ulong)d;
            if (d != 0 && next / (ulong)d != count)
            {
                bytes = 0;
                return false;
            }
            count = next;
        }
        var size = (ulong)type.ItemSize();
        var total = count * size;
        if (count != 0 && total / count != size || total > long.MaxValue)
        {
            bytes = 0;
            return false;
        }
        bytes = (long)total;
        return true;
    }
}
