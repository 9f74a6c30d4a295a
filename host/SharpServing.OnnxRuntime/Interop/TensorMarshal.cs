using System.Buffers;

namespace SharpServing.OnnxRuntime.Interop;

/// <summary>
/// Moves tensors across the seam: inputs into <c>OrtValue</c>s (numeric ones zero-copy over pinned managed memory),
/// outputs out of <c>OrtValue</c>s into new managed tensors.
/// </summary>
internal static unsafe class TensorMarshal
{
    /// <summary>
    /// Makes the input value for <paramref name="tensor"/>. A numeric value points into the tensor's memory, pinned by
    /// <paramref name="pin"/>: the caller keeps the pin until the value is released (one Run).
    /// </summary>
    public static ValueHandle CreateInput(OrtApi api, string name, Tensor tensor, out MemoryHandle pin)
    {
        pin = default;
        var elementType = ElementTypes.ToOrt(tensor.DataType);
        if (elementType == OrtElementType.Undefined)
        {
            throw new ArgumentException($"Input '{name}' has data type {tensor.DataType}, which ONNX Runtime cannot take.", nameof(tensor));
        }
        var shape = tensor.Shape;
        nint value;
        if (elementType == OrtElementType.String)
        {
            fixed (long* dims = shape)
            {
                api.Check(api.CreateTensorAsOrtValue(api.DefaultAllocator, dims, (nuint)shape.Length, OrtElementType.String, &value));
            }
            var handle = new ValueHandle(value);
            try
            {
                FillStrings(api, value, tensor.Items);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
            return handle;
        }

        var data = tensor.Data;
        pin = data.Pin();
        fixed (long* dims = shape)
        {
            api.Check(api.CreateTensorWithDataAsOrtValue(api.CpuMemoryInfo, pin.Pointer, (nuint)data.Length, dims, (nuint)shape.Length, elementType, &value));
        }
        return new ValueHandle(value);
    }

    /// <summary>Copies an output value into a new managed tensor (numeric: one byte[]; string: one byte[] holding all items).</summary>
    public static Tensor ReadOutput(OrtApi api, string name, nint value)
    {
        OnnxValueType kind;
        api.Check(api.GetValueType(value, &kind));
        if (kind != OnnxValueType.Tensor)
        {
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' is a {kind.ToString().ToLowerInvariant()}; only tensor outputs are supported.");
        }
        nint infoPointer;
        api.Check(api.GetTensorTypeAndShape(value, &infoPointer));
        using var info = new TensorTypeAndShapeInfoHandle(infoPointer);
        var (elementType, shape, _) = NodeInfoReader.ReadTensorInfo(api, infoPointer, withSymbols: false);
        var count = 1L;
        foreach (var dim in shape)
        {
            count = checked(count * dim);
        }

        if (elementType == OrtElementType.String)
        {
            return ReadStrings(api, value, shape, count);
        }
        var dataType = ElementTypes.ToSdk(elementType);
        if (dataType == DataType.Unknown)
        {
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' has element type {elementType}, which SharpServing tensors cannot hold.");
        }
        var byteCount = checked(count * dataType.ItemSize());
        if (byteCount > Array.MaxLength)
        {
            throw new OrtException(OrtErrorCode.Fail, $"Output '{name}' has {byteCount} bytes, more than one managed array holds.");
        }
        var bytes = GC.AllocateUninitializedArray<byte>((int)byteCount);
        if (byteCount > 0)
        {
            void* source;
            api.Check(api.GetTensorMutableData(value, &source));
            new ReadOnlySpan<byte>(source, (int)byteCount).CopyTo(bytes);
        }
        return Tensor.FromMemory(dataType, shape, bytes, isReadOnly: false);
    }

    private static void FillStrings(OrtApi api, nint value, IReadOnlyList<ReadOnlyMemory<byte>> items)
    {
        // Each element gets a buffer of its exact length: items may hold any bytes, NUL included.
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i].Span;
            byte* buffer;
            api.Check(api.GetResizedStringTensorElementBuffer(value, (nuint)i, (nuint)item.Length, &buffer));
            item.CopyTo(new Span<byte>(buffer, item.Length));
        }
    }

    private static Tensor ReadStrings(OrtApi api, nint value, long[] shape, long count)
    {
        nuint total;
        api.Check(api.GetStringTensorDataLength(value, &total));
        if (total > (nuint)Array.MaxLength || count > Array.MaxLength)
        {
            throw new OrtException(OrtErrorCode.Fail, $"A string output has {total} bytes in {count} items, more than one managed array holds.");
        }
        var content = GC.AllocateUninitializedArray<byte>((int)total);
        var offsets = new nuint[count];
        if (count > 0)
        {
            fixed (byte* s = content)
            fixed (nuint* o = offsets)
            {
                api.Check(api.GetStringTensorContent(value, s, total, o, (nuint)count));
            }
        }
        var items = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < items.Length; i++)
        {
            var start = (int)offsets[i];
            var end = i + 1 < items.Length ? (int)offsets[i + 1] : (int)total;
            items[i] = content.AsMemory(start, end - start);
        }
        return Tensor.FromItems(DataType.String, shape, items);
    }
}
