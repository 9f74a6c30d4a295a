using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpServing;

/// <summary>
/// A dense tensor: a data type, a shape and contiguous storage. Numeric tensors hold their elements as little-endian bytes
/// in row-major order (<see cref="Data"/>); string and bytes tensors hold one byte item per element (<see cref="Items"/>).
/// </summary>
/// <remarks>
/// Tensors are the currency between protocols, stages and models. Storage is never copied implicitly: a tensor made by
/// <see cref="FromMemory"/> or <see cref="Create{T}(T[], long[])"/> wraps the caller's memory. Tensors that wrap memory
/// the caller still owns (a request buffer, say) are read-only; <see cref="AsWritableSpan{T}"/> refuses them.
/// </remarks>
public sealed class Tensor : IEquatable<Tensor>
{
    private static readonly ReadOnlyMemory<byte>[] s_noItems = [];
    private readonly long[] _shape;
    private readonly ReadOnlyMemory<byte> _data;
    private readonly ReadOnlyMemory<byte>[] _items;

    private Tensor(DataType dataType, long[] shape, long elementCount, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte>[] items, bool isReadOnly)
    {
        DataType = dataType;
        _shape = shape;
        ElementCount = elementCount;
        _data = data;
        _items = items;
        IsReadOnly = isReadOnly;
    }

    /// <summary>The element type.</summary>
    public DataType DataType { get; }

    /// <summary>The dimensions; empty for a 0-d (scalar) tensor.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The dimensions as a list (for pattern matching and LINQ).</summary>
    public IReadOnlyList<long> Dims => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Product of the dimensions (1 for a 0-d tensor).</summary>
    public long ElementCount { get; }

    /// <summary>Whether <see cref="AsWritableSpan{T}"/> is refused.</summary>
    public bool IsReadOnly { get; }

    /// <summary>The element bytes of a numeric tensor (empty for string and bytes tensors).</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>The items of a string or bytes tensor (empty for numeric tensors).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Items => _items;

    /// <summary>Size of the numeric element bytes.</summary>
    public long ByteSize => _data.Length;

    // ---------------------------------------------------------------- factories

    /// <summary>Wraps <paramref name="data"/> (no copy) as a writable tensor of the given shape.</summary>
    public static Tensor Create<T>(T[] data, params long[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var type = DataTypes.Of<T>();
        var count = CheckShape(shape);
        if (count != data.Length)
        {
            throw new ArgumentException($"Shape {FormatShape(shape)} needs {count} elements, the array has {data.Length}.", nameof(data));
        }
        return new Tensor(type, (long[])shape.Clone(), count, AsBytes(data), s_noItems, isReadOnly: false);
    }

    /// <summary>Copies <paramref name="data"/> into a new writable tensor of the given shape.</summary>
    public static Tensor Create<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape) where T : unmanaged
        => Create(data.ToArray(), shape.ToArray());

    /// <summary>A new zero-filled writable tensor.</summary>
    public static Tensor Zeros(DataType dataType, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (!dataType.IsNumeric())
        {
            throw new ArgumentException($"Zeros needs a numeric data type, not {dataType}.", nameof(dataType));
        }
        var count = CheckShape(shape);
        var bytes = checked(count * dataType.ItemSize());
        return new Tensor(dataType, (long[])shape.Clone(), count, new byte[bytes], s_noItems, isReadOnly: false);
    }

    /// <summary>A new zero-filled writable tensor of element type <typeparamref name="T"/>.</summary>
    public static Tensor Zeros<T>(params long[] shape) where T : unmanaged => Zeros(DataTypes.Of<T>(), shape);

    /// <summary>A 0-d tensor holding one value.</summary>
    public static Tensor Scalar<T>(T value) where T : unmanaged => Create([value]);

    /// <summary>A 0-d string tensor (UTF-8).</summary>
    public static Tensor FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new Tensor(DataType.String, [], 1, default, [Encoding.UTF8.GetBytes(value)], isReadOnly: true);
    }

    /// <summary>A 1-d string tensor with one UTF-8 item per string.</summary>
    public static Tensor FromStrings(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var items = new ReadOnlyMemory<byte>[values.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Encoding.UTF8.GetBytes(values[i] ?? throw new ArgumentException("A string item is null.", nameof(values)));
        }
        return new Tensor(DataType.String, [items.Length], items.Length, default, items, isReadOnly: true);
    }

    /// <summary>A 0-d bytes tensor holding <paramref name="value"/> (no copy).</summary>
    public static Tensor FromBytes(ReadOnlyMemory<byte> value)
        => new(DataType.Bytes, [], 1, default, [value], isReadOnly: true);

    /// <summary>
    /// Wraps numeric element bytes (no copy). The length must be the element count times the item size.
    /// </summary>
    public static Tensor FromMemory(DataType dataType, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data, bool isReadOnly = true)
    {
        if (!dataType.IsNumeric())
        {
            throw new ArgumentException($"FromMemory needs a numeric data type, not {dataType}.", nameof(dataType));
        }
        var shapeArray = shape.ToArray();
        var count = CheckShape(shapeArray);
        if (count > long.MaxValue / dataType.ItemSize() || count * dataType.ItemSize() != data.Length)
        {
            throw new ArgumentException(
                $"A {dataType} tensor of shape {FormatShape(shapeArray)} needs {count}×{dataType.ItemSize()} bytes, given {data.Length}.", nameof(data));
        }
        return new Tensor(dataType, shapeArray, count, data, s_noItems, isReadOnly);
    }

    /// <summary>Wraps string or bytes items (no copy). The item count must equal the element count of the shape.</summary>
    public static Tensor FromItems(DataType dataType, ReadOnlySpan<long> shape, IReadOnlyList<ReadOnlyMemory<byte>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!dataType.IsItems())
        {
            throw new ArgumentException($"FromItems needs String or Bytes, not {dataType}.", nameof(dataType));
        }
        var shapeArray = shape.ToArray();
        var count = CheckShape(shapeArray);
        if (count != items.Count)
        {
            throw new ArgumentException($"Shape {FormatShape(shapeArray)} needs {count} items, given {items.Count}.", nameof(items));
        }
        return new Tensor(dataType, shapeArray, count, default, items as ReadOnlyMemory<byte>[] ?? [.. items], isReadOnly: true);
    }

    /// <summary>
    /// Copies a C# array of any rank (<c>float[,]</c>, <c>int[]</c>, <c>string[]</c>, <c>byte[][]</c> is not rectangular
    /// and is refused) into a new tensor whose shape is the array's.
    /// </summary>
    public static Tensor FromArray(Array array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var elementType = array.GetType().GetElementType()!;
        var type = DataTypes.FromClrType(elementType);
        var shape = new long[array.Rank];
        for (var d = 0; d < shape.Length; d++)
        {
            shape[d] = array.GetLength(d);
        }
        if (type.IsNumeric())
        {
            var byteCount = checked((int)(array.LongLength * type.ItemSize()));
            var bytes = new byte[byteCount];
            var source = MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(array), byteCount);
            source.CopyTo(bytes);
            return new Tensor(type, shape, array.LongLength, bytes, s_noItems, isReadOnly: false);
        }
        if (type == DataType.String)
        {
            var items = new ReadOnlyMemory<byte>[array.Length];
            var i = 0;
            foreach (var item in array)
            {
                items[i++] = Encoding.UTF8.GetBytes((string?)item ?? throw new ArgumentException("A string item is null.", nameof(array)));
            }
            return new Tensor(DataType.String, shape, items.Length, default, items, isReadOnly: true);
        }
        throw new ArgumentException($"Unknown data type {elementType.Name}", nameof(array));
    }

    // ---------------------------------------------------------------- views

    /// <summary>The elements as a read-only span of <typeparamref name="T"/>, which must match <see cref="DataType"/>.</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        return MemoryMarshal.Cast<byte, T>(_data.Span);
    }

    /// <summary>The elements as a writable span; throws for a read-only tensor.</summary>
    public Span<T> AsWritableSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        if (IsReadOnly)
        {
            throw new InvalidOperationException("The tensor is read-only: it wraps memory it does not own. Copy it with Clone() first.");
        }
        return MemoryMarshal.Cast<byte, T>(MemoryMarshal.AsMemory(_data).Span);
    }

    /// <summary>A copy of the elements.</summary>
    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>The single element of a one-element tensor (any shape with one element).</summary>
    public T ToScalar<T>() where T : unmanaged
    {
        var span = AsSpan<T>();
        if (span.Length != 1)
        {
            throw new InvalidOperationException($"The tensor has {span.Length} elements, not one.");
        }
        return span[0];
    }

    /// <summary>Item <paramref name="index"/> of a string tensor, decoded from UTF-8.</summary>
    public string GetString(int index = 0)
    {
        if (DataType != DataType.String && DataType != DataType.Bytes)
        {
            throw new InvalidOperationException($"The tensor holds {DataType}, not strings.");
        }
        return Encoding.UTF8.GetString(_items[index].Span);
    }

    /// <summary>Item <paramref name="index"/> of a string or bytes tensor.</summary>
    public ReadOnlyMemory<byte> GetItem(int index = 0)
    {
        if (!DataType.IsItems())
        {
            throw new InvalidOperationException($"The tensor holds {DataType}, not items.");
        }
        return _items[index];
    }

    /// <summary>The same storage under another shape with the same element count.</summary>
    public Tensor Reshape(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var count = CheckShape(shape);
        if (count != ElementCount)
        {
            throw new ArgumentException($"Cannot reshape {FormatShape(_shape)} to {FormatShape(shape)}.", nameof(shape));
        }
        return new Tensor(DataType, (long[])shape.Clone(), count, _data, _items, IsReadOnly);
    }

    /// <summary>A writable deep copy.</summary>
    public Tensor Clone()
        => DataType.IsNumeric()
            ? new Tensor(DataType, _shape, ElementCount, _data.ToArray(), s_noItems, isReadOnly: false)
            : new Tensor(DataType, _shape, ElementCount, default, [.. _items.Select(i => (ReadOnlyMemory<byte>)i.ToArray())], isReadOnly: true);

    /// <summary>Converts every element to <typeparamref name="T"/> (like numpy's <c>astype</c>: integers wrap, floats truncate).</summary>
    public Tensor Cast<T>() where T : unmanaged => Cast(DataTypes.Of<T>());

    /// <summary>Converts every element to <paramref name="target"/>; returns this tensor when the type already matches.</summary>
    public Tensor Cast(DataType target) => TensorCast.Cast(this, target);

    // ---------------------------------------------------------------- equality and text

    /// <inheritdoc />
    public bool Equals(Tensor? other)
    {
        if (other is null)
        {
            return false;
        }
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (DataType != other.DataType || !Shape.SequenceEqual(other.Shape))
        {
            return false;
        }
        if (DataType.IsNumeric())
        {
            return _data.Span.SequenceEqual(other._data.Span);
        }
        for (var i = 0; i < _items.Length; i++)
        {
            if (!_items[i].Span.SequenceEqual(other._items[i].Span))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Tensor);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(DataType, _shape.Length, ElementCount);

    /// <summary>For diagnostics: data type, shape and the first elements.</summary>
    public override string ToString() => TensorFormatter.Format(this, maxElements: 16);

    // ---------------------------------------------------------------- helpers

    /// <summary>Formats dims as <c>[a, b, c]</c> (the form used in protocol error texts).</summary>
    public static string FormatShape(ReadOnlySpan<long> shape)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    private static long CheckShape(long[] shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
            }
            count = checked(count * dim);
        }
        return count;
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        if (DataTypes.FromClrType(typeof(T)) != DataType)
        {
            throw new InvalidOperationException($"The tensor holds {DataType}, not {typeof(T).Name}.");
        }
    }

    private static Memory<byte> AsBytes<T>(T[] data) where T : unmanaged
        => data.Length == 0 ? Memory<byte>.Empty : new ArrayByteMemory<T>(data).Memory;

    /// <summary>Exposes a T[] as Memory&lt;byte&gt; without copying.</summary>
    private sealed class ArrayByteMemory<T>(T[] array) : MemoryManager<byte> where T : unmanaged
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            // Each pin owns its GCHandle; MemoryHandle.Dispose frees it.
            var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            var pointer = (byte*)handle.AddrOfPinnedObject() + elementIndex;
            return new MemoryHandle(pointer, handle);
        }

        public override void Unpin()
        {
            // Nothing to do: the GCHandle travels in the MemoryHandle.
        }

        protected override void Dispose(bool disposing)
        {
            // The array is managed memory; nothing to release.
        }
    }
}
