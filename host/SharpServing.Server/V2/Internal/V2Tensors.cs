using System.Buffers.Binary;
using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// Wire tensors of the Open Inference Protocol as engine tensors and back. Every length, count and shape from the wire
/// is checked before anything is allocated for it; a malformed tensor becomes <see cref="RequestInput.Invalid"/>, which
/// the engine reports with MindSpore Serving's text when the method declares that input.
/// </summary>
internal static class V2Tensors
{
    /// <summary>The most dimensions a tensor may have.</summary>
    public const int MaxRank = 32;

    public static string? CheckShape(ReadOnlySpan<long> shape)
    {
        if (shape.Length > MaxRank)
        {
            return $"Tensor check failed: input shape has {shape.Length} dimensions, more than {MaxRank}";
        }
        foreach (var d in shape)
        {
            if (d < 0)
            {
                return $"Tensor check failed: input  shape {Tensor.FormatShape(shape)} invalid";
            }
        }
        return null;
    }

    /// <summary>A numeric tensor over <paramref name="data"/>, its elements little-endian (no copy).</summary>
    public static RequestInput Numeric(DataType type, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        if (CheckShape(shape) is { } shapeError)
        {
            return RequestInput.Invalid(shapeError);
        }
        if (WireTensorCheck.Check((int)type, shape, data.Length, 0) is { } detail)
        {
            return RequestInput.Invalid(detail);
        }
        return Tensor.FromMemory(type, shape, data);
    }

    /// <summary>A BYTES tensor of <paramref name="items"/>.</summary>
    public static RequestInput Items(ReadOnlySpan<long> shape, IReadOnlyList<ReadOnlyMemory<byte>> items)
    {
        if (CheckShape(shape) is { } shapeError)
        {
            return RequestInput.Invalid(shapeError);
        }
        if (WireTensorCheck.Check((int)DataType.Bytes, shape, 0, items.Count) is { } detail)
        {
            return RequestInput.Invalid(detail);
        }
        return Tensor.FromItems(DataType.Bytes, shape, items);
    }

    /// <summary>The elements of a raw BYTES tensor: each a 4-byte little-endian length and that many bytes (no copy).</summary>
    public static RequestInput RawItems(ReadOnlySpan<long> shape, ReadOnlyMemory<byte> raw)
    {
        var items = new List<ReadOnlyMemory<byte>>();
        var rest = raw;
        while (rest.Length > 0)
        {
            if (rest.Length < 4)
            {
                return RequestInput.Invalid("Tensor check failed: BYTES element length prefix is cut short");
            }
            var length = BinaryPrimitives.ReadUInt32LittleEndian(rest.Span);
            if (length > rest.Length - 4)
            {
                return RequestInput.Invalid($"Tensor check failed: BYTES element of {length} bytes is longer than the {rest.Length - 4} bytes left");
            }
            items.Add(rest.Slice(4, (int)length));
            rest = rest[(4 + (int)length)..];
            if (items.Count > 1)
            {
                // The engine takes one item per instance; stop counting a hostile list early.
                break;
            }
        }
        return Items(shape, items);
    }

    /// <summary>The raw form of an output: its element bytes, or each item as a 4-byte little-endian length and its bytes.</summary>
    public static byte[] ToRaw(Tensor tensor)
    {
        if (tensor.DataType.IsNumeric())
        {
            return tensor.Data.ToArray();
        }
        var total = 0L;
        foreach (var item in tensor.Items)
        {
            total += 4 + item.Length;
        }
        var raw = new byte[total];
        var at = 0;
        foreach (var item in tensor.Items)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(at), (uint)item.Length);
            item.Span.CopyTo(raw.AsSpan(at + 4));
            at += 4 + item.Length;
        }
        return raw;
    }
}
