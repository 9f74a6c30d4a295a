using System.Buffers;

namespace SharpServing.Server.Rest.Internal;

/// <summary>A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>; dispose returns it.</summary>
internal sealed class PooledByteBuffer : IDisposable
{
    private byte[] _buffer;
    private int _count;

    public PooledByteBuffer(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 16));
    }

    public int Count => _count;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _count);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _count);

    /// <summary>A span of at least <paramref name="size"/> free bytes at the end; commit with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _count < size)
        {
            Grow(size);
        }
        return _buffer.AsSpan(_count);
    }

    /// <summary>A memory of at least <paramref name="size"/> free bytes at the end; commit with <see cref="Advance"/>.</summary>
    public Memory<byte> GetMemory(int size)
    {
        if (_buffer.Length - _count < size)
        {
            Grow(size);
        }
        return _buffer.AsMemory(_count);
    }

    public void Advance(int count) => _count += count;

    /// <summary>An exactly sized copy of the written bytes.</summary>
    public byte[] ToArray()
    {
        var copy = GC.AllocateUninitializedArray<byte>(_count);
        WrittenSpan.CopyTo(copy);
        return copy;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _count = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int size)
    {
        var needed = (long)_count + size;
        var next = Math.Max(needed, Math.Min((long)_buffer.Length * 2, Array.MaxLength));
        if (needed > Array.MaxLength)
        {
            throw new InsufficientMemoryException("The buffer would exceed the largest array size.");
        }
        var bigger = ArrayPool<byte>.Shared.Rent((int)next);
        WrittenSpan.CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
