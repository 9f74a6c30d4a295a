using System.Buffers;
using System.Globalization;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Writes a numeric tensor of rank ≥ 1 as nested JSON arrays straight into the output's memory, one span at a time:
/// numbers are formatted in place (UTF-8), so the cost per element is the formatting alone, with no allocation.
/// Rows are runs of the last dim; a zero dim gives empty arrays.
/// </summary>
internal ref struct NumericJsonWriter(IBufferWriter<byte> output)
{
    /// <summary>Room for one element and its separator: the longest double text is 24 bytes.</summary>
    private const int ElementRoom = 32;
    /// <summary>The size asked of the output: small, so that a pooled block (Kestrel: 4 KiB) serves it.</summary>
    private const int SpanHint = 256;

    private Span<byte> _span;
    private int _position;

    /// <summary>
    /// Writes up to <paramref name="budget"/> elements, resuming at <paramref name="cursor"/>; true once the tensor is
    /// complete. Between calls the caller may flush the output.
    /// </summary>
    public bool WriteSome(Tensor tensor, ref Cursor cursor, int budget)
    {
        var shape = tensor.Shape;
        var zero = shape.IndexOf(0L);
        if (zero >= 0)
        {
            WriteEmpty(shape, 0, zero);
            Commit();
            return true;
        }
        var rowLength = shape[^1];
        var rows = tensor.ElementCount / rowLength;
        while (cursor.Row < rows)
        {
            if (cursor.Column == 0)
            {
                if (cursor.Row > 0)
                {
                    Put((byte)',');
                }
                for (var n = Boundaries(shape, cursor.Row, atStart: true); n > 0; n--)
                {
                    Put((byte)'[');
                }
            }
            var take = Math.Min(rowLength - cursor.Column, budget);
            WriteElements(tensor, (cursor.Row * rowLength) + cursor.Column, take, first: cursor.Column == 0);
            cursor.Column += take;
            budget -= (int)take;
            if (cursor.Column == rowLength)
            {
                for (var n = Boundaries(shape, cursor.Row, atStart: false); n > 0; n--)
                {
                    Put((byte)']');
                }
                cursor.Row++;
                cursor.Column = 0;
            }
            if (budget <= 0)
            {
                break;
            }
        }
        Commit();
        return cursor.Row == rows;
    }

    /// <summary>Writes the single element of a 0-d tensor.</summary>
    public void WriteScalar(Tensor tensor)
    {
        WriteElements(tensor, 0, 1, first: true);
        Commit();
    }

    /// <summary>
    /// The exact value in shortest round-trip form, <c>.0</c> kept on integral values, exponent as <c>e</c>; NaN and ±∞
    /// as null. Integral values below 2^53 take a shortcut with the same text: their shortest form is the integer itself.
    /// </summary>
    public static int FormatFloat(double value, Span<byte> text)
    {
        if (!double.IsFinite(value))
        {
            "null"u8.CopyTo(text);
            return 4;
        }
        int length;
        if (Math.Abs(value) < 9007199254740992.0 && value == Math.Truncate(value))
        {
            if (value == 0 && double.IsNegative(value))
            {
                "-0.0"u8.CopyTo(text);
                return 4;
            }
            ((long)value).TryFormat(text, out length, default, CultureInfo.InvariantCulture);
            text[length] = (byte)'.';
            text[length + 1] = (byte)'0';
            return length + 2;
        }
        value.TryFormat(text, out length, "R", CultureInfo.InvariantCulture);
        var isIntegral = true;
        for (var i = 0; i < length; i++)
        {
            if (text[i] == 'E')
            {
                text[i] = (byte)'e';
                isIntegral = false;
            }
            else if (text[i] == '.')
            {
                isIntegral = false;
            }
        }
        if (isIntegral)
        {
            text[length++] = (byte)'.';
            text[length++] = (byte)'0';
        }
        return length;
    }

    /// <summary>How many arrays open before (or close after) a row: its own, plus each outer dim it starts (or ends).</summary>
    private static int Boundaries(ReadOnlySpan<long> shape, long row, bool atStart)
    {
        var count = 1;
        for (var d = shape.Length - 2; d >= 0; d--)
        {
            var index = row % shape[d];
            if (index != (atStart ? 0 : shape[d] - 1))
            {
                break;
            }
            count++;
            row /= shape[d];
        }
        return count;
    }

    private void WriteEmpty(ReadOnlySpan<long> shape, int depth, int zero)
    {
        Put((byte)'[');
        if (depth < zero)
        {
            for (var i = 0L; i < shape[depth]; i++)
            {
                if (i > 0)
                {
                    Put((byte)',');
                }
                WriteEmpty(shape, depth + 1, zero);
            }
        }
        Put((byte)']');
    }

    /// <summary>Writes elements [first, first + count) with separators (the type switch is outside the loops).</summary>
    private void WriteElements(Tensor tensor, long firstIndex, long count, bool first)
    {
        var start = checked((int)firstIndex);
        var length = checked((int)count);
        switch (tensor.DataType)
        {
            case DataType.Bool:
                foreach (var b in tensor.Data.Span.Slice(start, length))
                {
                    var text = Next(ref first);
                    var literal = b != 0 ? "true"u8 : "false"u8;
                    literal.CopyTo(text);
                    _position += literal.Length;
                }
                break;
            case DataType.Int8:
                WriteIntegers(tensor.AsSpan<sbyte>().Slice(start, length), first);
                break;
            case DataType.UInt8:
                WriteIntegers(tensor.AsSpan<byte>().Slice(start, length), first);
                break;
            case DataType.Int16:
                WriteIntegers(tensor.AsSpan<short>().Slice(start, length), first);
                break;
            case DataType.UInt16:
                WriteIntegers(tensor.AsSpan<ushort>().Slice(start, length), first);
                break;
            case DataType.Int32:
                WriteIntegers(tensor.AsSpan<int>().Slice(start, length), first);
                break;
            case DataType.UInt32:
                WriteIntegers(tensor.AsSpan<uint>().Slice(start, length), first);
                break;
            case DataType.Int64:
                WriteIntegers(tensor.AsSpan<long>().Slice(start, length), first);
                break;
            case DataType.UInt64:
                WriteIntegers(tensor.AsSpan<ulong>().Slice(start, length), first);
                break;
            case DataType.Float16:
                foreach (var v in tensor.AsSpan<Half>().Slice(start, length))
                {
                    var text = Next(ref first);
                    _position += FormatFloat((double)v, text);
                }
                break;
            case DataType.Float32:
                foreach (var v in tensor.AsSpan<float>().Slice(start, length))
                {
                    var text = Next(ref first);
                    _position += FormatFloat(v, text);
                }
                break;
            case DataType.Float64:
                foreach (var v in tensor.AsSpan<double>().Slice(start, length))
                {
                    var text = Next(ref first);
                    _position += FormatFloat(v, text);
                }
                break;
            default:
                throw new InvalidOperationException($"{tensor.DataType} is not a numeric data type.");
        }
    }

    private void WriteIntegers<T>(ReadOnlySpan<T> values, bool first)
        where T : unmanaged, IUtf8SpanFormattable
    {
        foreach (var v in values)
        {
            var text = Next(ref first);
            v.TryFormat(text, out var length, default, CultureInfo.InvariantCulture);
            _position += length;
        }
    }

    /// <summary>Room for the next element, after its separator.</summary>
    private Span<byte> Next(ref bool first)
    {
        Ensure(ElementRoom);
        if (!first)
        {
            _span[_position++] = (byte)',';
        }
        first = false;
        return _span[_position..];
    }

    private void Put(byte value)
    {
        Ensure(1);
        _span[_position++] = value;
    }

    private void Ensure(int count)
    {
        if (_span.Length - _position < count)
        {
            Commit();
            _span = output.GetSpan(Math.Max(count, SpanHint));
        }
    }

    private void Commit()
    {
        if (_position > 0)
        {
            output.Advance(_position);
        }
        _span = default;
        _position = 0;
    }

    /// <summary>Where a tensor's writing stopped.</summary>
    public struct Cursor
    {
        public long Row { get; set; }

        public long Column { get; set; }
    }
}
