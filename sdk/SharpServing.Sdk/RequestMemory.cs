using System.Buffers;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace SharpServing;

/// <summary>
/// Memory that lives as long as one request: large tensors made while a stage of a request runs come from a shared
/// <see cref="ArrayPool{T}"/> and go back to it when the request is answered, so a steady stream of requests over
/// large images allocates nothing on the large object heap and causes no full garbage collection.
/// </summary>
/// <remarks>
/// <para>
/// Inside a per-instance C# stage (and a model run the host makes for one request, or for several when each one's rows
/// of an output reach <see cref="MinPooledBytes"/>), <see cref="Allocate"/>,
/// <see cref="Imaging.ImageDecoder"/>, <see cref="Imaging.ImageTransforms"/> and model outputs of at least
/// <see cref="MinPooledBytes"/> bytes are request memory. Such a tensor is valid until the request is answered:
/// a method output that is request memory is copied into the reply; a tensor kept beyond the request (a static
/// field, a cache) must be copied with <see cref="Tensor.Clone"/> first. Outside a request (while configuring, in a
/// batch function stage, which serves many requests at once) the same calls allocate ordinary arrays.
/// </para>
/// <para>
/// A request that fails with an exception or is cancelled does not give its memory back (a stage it abandoned may still
/// use it): the garbage collector frees it.
/// </para>
/// </remarks>
public sealed class RequestMemory
{
    /// <summary>Tensors smaller than this (64 KiB) are ordinary arrays: the young generation frees them cheaply.</summary>
    public const int MinPooledBytes = 64 * 1024;

    [ThreadStatic]
    private static IRequestMemorySource? t_source;

    private readonly Lock _gate = new();
    private readonly List<byte[]> _rented = [];
    private readonly int _minPooledBytes;
    private bool _released;

    /// <summary>Memory for one request: tensors of at least <see cref="MinPooledBytes"/> bytes are pooled.</summary>
    public RequestMemory()
        : this(MinPooledBytes)
    {
    }

    /// <summary>
    /// Memory that pools only tensors of at least <paramref name="minPooledBytes"/> bytes (never less than
    /// <see cref="MinPooledBytes"/>). The host makes one for a model run shared by several requests, whose outputs it
    /// splits into one row per request: pooled only when each row would be.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public RequestMemory(int minPooledBytes) => _minPooledBytes = Math.Max(minPooledBytes, MinPooledBytes);

    /// <summary>Whether code on this thread runs for one request (its large tensors are request memory).</summary>
    public static bool IsActive => t_source is not null;

    /// <summary>
    /// A writable tensor of <paramref name="shape"/> whose elements are not initialised (overwrite or clear them):
    /// request memory when called for a request and at least <see cref="MinPooledBytes"/> bytes, else a new array.
    /// </summary>
    public static Tensor Allocate(DataType dataType, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (!dataType.IsNumeric())
        {
            throw new ArgumentException($"Allocate needs a numeric data type, not {dataType}.", nameof(dataType));
        }
        long count = 1;
        foreach (var d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            count = checked(count * d);
        }
        var bytes = checked(count * dataType.ItemSize());
        if (bytes > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(shape), $"A {dataType} tensor of shape {Tensor.FormatShape(shape)} needs {bytes} bytes, more than one array holds.");
        }
        return Tensor.FromMemory(dataType, shape, AllocateBytes((int)bytes), isReadOnly: false);
    }

    /// <summary>
    /// Marks the code that follows on this thread, until the scope is disposed, as running for the request whose memory
    /// <paramref name="source"/> gives (null: for no request). Called by the host around stage and model runs.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static Scope Enter(IRequestMemorySource? source)
    {
        var previous = t_source;
        t_source = source;
        return new Scope(previous);
    }

    /// <summary>Whether <paramref name="tensor"/>'s storage (or an item's) is this request's pooled memory.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool Owns(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        lock (_gate)
        {
            if (_rented.Count == 0)
            {
                return false;
            }
            if (IsRented(tensor.Data))
            {
                return true;
            }
            foreach (var item in tensor.Items)
            {
                if (IsRented(item))
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>
    /// Gives the memory back to the pool. Called by the host once the request's stages have all returned and its
    /// outputs no longer refer to the memory; later allocations for the request get ordinary arrays.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Release()
    {
        byte[][] rented;
        lock (_gate)
        {
            if (_released)
            {
                return;
            }
            _released = true;
            rented = [.. _rented];
            _rented.Clear();
        }
        foreach (var array in rented)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <summary><paramref name="length"/> uninitialised bytes: request memory when called for a request and large enough.</summary>
    internal static Memory<byte> AllocateBytes(int length)
    {
        if (length < MinPooledBytes || t_source?.Memory is not { } memory)
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }
        return memory.Rent(length);
    }

    private Memory<byte> Rent(int length)
    {
        if (length < _minPooledBytes)
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }
        var array = ArrayPool<byte>.Shared.Rent(length);
        lock (_gate)
        {
            if (!_released)
            {
                _rented.Add(array);
                return array.AsMemory(0, length);
            }
        }
        ArrayPool<byte>.Shared.Return(array);
        return GC.AllocateUninitializedArray<byte>(length);
    }

    private bool IsRented(ReadOnlyMemory<byte> memory)
        => MemoryMarshal.TryGetArray(memory, out var segment) && segment.Array is { } array && _rented.Contains(array);

    /// <summary>Restores the thread's previous request when disposed.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly struct Scope : IDisposable
    {
        private readonly IRequestMemorySource? _previous;

        internal Scope(IRequestMemorySource? previous) => _previous = previous;

        /// <inheritdoc />
        public void Dispose() => t_source = _previous;
    }
}
