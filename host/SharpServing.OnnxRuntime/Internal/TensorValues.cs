using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SharpServing.OnnxRuntime.Internal;

/// <summary>
/// Moves tensors across the seam: inputs into <see cref="OrtValue"/>s (numeric ones without a copy, over the tensor's
/// pinned memory), outputs out of <see cref="OrtValue"/>s into new managed tensors (one copy).
/// </summary>
internal static class TensorValues
{
    /// <summary>
    /// Makes the input value for <paramref name="tensor"/>. A numeric value points into the tensor's memory, pinned by
    /// <paramref name="pin"/>: the caller keeps the pin until the value is disposed (one run).
    /// </summary>
    public static unsafe OrtValue CreateInput(string name, Tensor tensor, out MemoryHandle pin)
    {
        pin = default;
        var elementType = ElementTypes.ToOrt(tensor.DataType);
        if (elementType == TensorElementType.DataTypeMax)
        {
            throw new ArgumentException($"Input '{name}' has data type {tensor.DataType}, which ONNX Runtime cannot take.", nameof(tensor));
        }
        var shape = tensor.Shape.ToArray();
        if (elementType == TensorElementType.String)
        {
            var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            try
            {
                // Each element is set from its bytes, exact length: items may hold any bytes, NUL included.
                var items = tensor.Items;
                for (var i = 0; i < items.Count; i++)
                {
                    value.StringTensorSetElementAt(items[i].Span, i);
                }
                return value;
            }
            catch
            {
                value.Dispose();
                throw;
            }
        }
        var data = tensor.Data;
        pin = data.Pin();
        try
        {
            return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, elementType, shape, (nint)pin.Pointer, data.Length);
        }
        catch
        {
            pin.Dispose();
            pin = default;
            throw;
        }
    }

    /// <summary>Copies an output value into a new managed tensor (numeric: one buffer; string: one byte[] holding all items).</summary>
    public static Tensor ReadOutput(string name, OrtValue value)
    {
        if (!value.IsTensor)
        {
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' is a {value.OnnxType}; only tensor outputs are supported.");
        }
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        var count = info.ElementCount;
        if (info.ElementDataType == TensorElementType.String)
        {
            return ReadStrings(name, value, shape, count);
        }
        var dataType = ElementTypes.ToSdk(info.ElementDataType);
        if (dataType == DataType.Unknown)
        {
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' has element type {info.ElementDataType}, which SharpServing tensors cannot hold.");
        }
        var byteCount = checked(count * dataType.ItemSize());
        if (byteCount > Array.MaxLength)
        {
            throw new OrtException(OrtErrorCode.Fail, $"Output '{name}' has {byteCount} bytes, more than one managed array holds.");
        }
        // Request memory when the run serves one request (RequestMemory): a large output goes back to the pool with it.
        var tensor = RequestMemory.Allocate(dataType, shape);
        if (byteCount > 0)
        {
            value.GetTensorDataAsSpan<byte>().CopyTo(MemoryMarshal.AsMemory(tensor.Data).Span);
        }
        return tensor;
    }

    /// <summary>
    /// The package reads string elements as UTF-8 text: valid UTF-8 (NUL included) comes back byte for byte; an invalid
    /// sequence comes back as U+FFFD, as from any UTF-8 decoder.
    /// </summary>
    private static Tensor ReadStrings(string name, OrtValue value, long[] shape, long count)
    {
        if (count > Array.MaxLength)
        {
            throw new OrtException(OrtErrorCode.Fail, $"Output '{name}' has {count} strings, more than one managed array holds.");
        }
        var n = (int)count;
        var texts = new ReadOnlyMemory<char>[n];
        var total = 0L;
        for (var i = 0; i < n; i++)
        {
            texts[i] = value.GetStringElementAsMemory(i);
            total += Encoding.UTF8.GetByteCount(texts[i].Span);
        }
        if (total > Array.MaxLength)
        {
            throw new OrtException(OrtErrorCode.Fail, $"Output '{name}' has {total} bytes of strings, more than one managed array holds.");
        }
        var content = GC.AllocateUninitializedArray<byte>((int)total);
        var items = new ReadOnlyMemory<byte>[n];
        var offset = 0;
        for (var i = 0; i < n; i++)
        {
            var written = Encoding.UTF8.GetBytes(texts[i].Span, content.AsSpan(offset));
            items[i] = content.AsMemory(offset, written);
            offset += written;
        }
        return Tensor.FromItems(DataType.String, shape, items);
    }
}
