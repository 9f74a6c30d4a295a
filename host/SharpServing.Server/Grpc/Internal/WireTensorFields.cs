using SharpServing.Engine;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>What a request's wire tensor said, as positions in the message array; dims in a stack buffer first.</summary>
internal ref struct WireTensorFields(Span<long> dimsBuffer)
{
    private Span<long> _dims = dimsBuffer;
    private int _dimCount;

    public enum DataCase
    {
        None,
        Data,
        SharedMemory,
    }

    public int DataType { get; set; }

    public DataCase Case { get; set; }

    public (int Start, int Length) Data { get; set; }

    public int ItemCount { get; set; }

    public (int Start, int Length) FirstItem { get; set; }

    public void AddDim(long dim)
    {
        if (_dimCount == _dims.Length)
        {
            var larger = new long[_dims.Length * 2];
            _dims.CopyTo(larger);
            _dims = larger;
        }
        _dims[_dimCount++] = dim;
    }

    /// <summary>The request input: a read-only tensor over the message array, or the check's detail text.</summary>
    public readonly RequestInput ToInput(byte[] message)
    {
        if (Case == DataCase.SharedMemory)
        {
            return RequestInput.Invalid(WireTensorCheck.SharedMemory);
        }
        ReadOnlySpan<long> dims = _dims[.._dimCount];
        var data = Case == DataCase.Data ? Data : default;
        var detail = WireTensorCheck.Check(DataType, dims, data.Length, ItemCount);
        if (detail is not null)
        {
            return RequestInput.Invalid(detail);
        }
        var type = (SharpServing.DataType)DataType;
        return type.IsNumeric()
            ? Tensor.FromMemory(type, dims, new ReadOnlyMemory<byte>(message, data.Start, data.Length), isReadOnly: true)
            : Tensor.FromItems(type, dims, [new ReadOnlyMemory<byte>(message, FirstItem.Start, FirstItem.Length)]);
    }
}
