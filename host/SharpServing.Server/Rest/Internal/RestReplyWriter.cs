using System.Globalization;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using SharpServing.Engine;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Renders replies as the RESTful API's JSON (specification 6.6) with a <see cref="Utf8JsonWriter"/>, streaming large
/// tensors in chunks. A reply is checked before its first byte is written, so one that cannot be rendered becomes
/// <c>{"error_msg":"Failed to construct the response: &lt;detail&gt;"}</c>.
/// </summary>
internal static class RestReplyWriter
{
    /// <summary>Elements written between flushes of the output pipe.</summary>
    private const int ChunkElements = 16384;

    private static readonly JsonWriterOptions s_options = new()
    {
        // Texts and strings go out as UTF-8, escaping only what JSON requires (quotes, backslash, control characters).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <c>{"error_msg":"&lt;message&gt;"}</c>.</summary>
    public static async Task WriteErrorAsync(PipeWriter output, string message, CancellationToken cancellationToken)
    {
        WriteError(output, message);
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>Writes the reply, or the construction error when it cannot be rendered.</summary>
    public static async Task WriteAsync(PipeWriter output, InferReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Error is { } error)
        {
            await WriteErrorAsync(output, error.Message, cancellationToken);
            return;
        }
        var problem = FindProblem(reply);
        if (problem is not null)
        {
            await WriteErrorAsync(output, "Failed to construct the response: " + problem, cancellationToken);
            return;
        }
        await using var json = new Utf8JsonWriter(output, s_options);
        json.WriteStartObject();
        json.WritePropertyName("instances"u8);
        json.WriteStartArray();
        foreach (var instance in reply.Instances)
        {
            json.WriteStartObject();
            if (instance.Error is { } instanceError)
            {
                json.WriteString("error_msg"u8, instanceError.Message);
            }
            else
            {
                foreach (var (name, tensor) in instance.Outputs!)
                {
                    json.WritePropertyName(name);
                    if (tensor.Rank == 0)
                    {
                        WriteElement(json, tensor, 0);
                        continue;
                    }
                    var cursor = new Cursor();
                    while (!WriteSome(json, tensor, cursor, ChunkElements))
                    {
                        json.Flush();
                        await output.FlushAsync(cancellationToken);
                    }
                }
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>Why the reply cannot be rendered, or null.</summary>
    internal static string? FindProblem(InferReply reply)
    {
        foreach (var instance in reply.Instances)
        {
            if (instance.Error is not null)
            {
                continue;
            }
            if (instance.Outputs is null)
            {
                return "an instance has neither outputs nor an error";
            }
            foreach (var (name, tensor) in instance.Outputs)
            {
                var problem = FindProblem(name, tensor);
                if (problem is not null)
                {
                    return problem;
                }
            }
        }
        return null;
    }

    private static string? FindProblem(string name, Tensor? tensor)
    {
        if (tensor is null)
        {
            return $"output '{name}' is null";
        }
        var type = tensor.DataType;
        if (!type.IsDefined())
        {
            return $"output '{name}' has the invalid data type {(int)type}";
        }
        if (type.IsNumeric())
        {
            if (!WireTensorCheck.TryByteSize(type, tensor.Shape, out var bytes) || bytes != tensor.ByteSize)
            {
                return $"output '{name}' has {tensor.ByteSize} data bytes, which do not fit shape {Tensor.FormatShape(tensor.Shape)} of {RestTypeNames.CanonicalName(type)}";
            }
            return null;
        }
        if (tensor.Rank > 1)
        {
            return $"string or bytes output '{name}' must have 0 or 1 dims, but its shape is {Tensor.FormatShape(tensor.Shape)}";
        }
        if (tensor.Items.Count != tensor.ElementCount)
        {
            return $"output '{name}' has {tensor.Items.Count} items, which do not fit shape {Tensor.FormatShape(tensor.Shape)}";
        }
        if (type == DataType.String)
        {
            foreach (var item in tensor.Items)
            {
                if (!Utf8.IsValid(item.Span))
                {
                    return $"string output '{name}' is not valid UTF-8";
                }
            }
        }
        return null;
    }

    private static void WriteError(PipeWriter output, string message)
    {
        using var json = new Utf8JsonWriter(output, s_options);
        json.WriteStartObject();
        json.WriteString("error_msg"u8, message);
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes up to <paramref name="budget"/> elements of a tensor of rank ≥ 1 as nested arrays, resuming at the cursor;
    /// true once the tensor is complete. Rows are runs of the last dim; a zero dim gives empty arrays.
    /// </summary>
    private static bool WriteSome(Utf8JsonWriter json, Tensor tensor, Cursor cursor, int budget)
    {
        var shape = tensor.Shape;
        var zero = shape.IndexOf(0L);
        if (zero >= 0)
        {
            WriteEmpty(json, shape, 0, zero);
            return true;
        }
        var rowLength = shape[^1];
        var rows = tensor.ElementCount / rowLength;
        while (cursor.Row < rows)
        {
            if (cursor.Column == 0)
            {
                for (var n = Boundaries(shape, cursor.Row, atStart: true); n > 0; n--)
                {
                    json.WriteStartArray();
                }
            }
            var take = Math.Min(rowLength - cursor.Column, budget);
            WriteElements(json, tensor, (cursor.Row * rowLength) + cursor.Column, take);
            cursor.Column += take;
            budget -= (int)take;
            if (cursor.Column == rowLength)
            {
                for (var n = Boundaries(shape, cursor.Row, atStart: false); n > 0; n--)
                {
                    json.WriteEndArray();
                }
                cursor.Row++;
                cursor.Column = 0;
            }
            if (budget <= 0)
            {
                return cursor.Row == rows;
            }
        }
        return true;
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

    private static void WriteEmpty(Utf8JsonWriter json, ReadOnlySpan<long> shape, int depth, int zero)
    {
        json.WriteStartArray();
        if (depth < zero)
        {
            for (var i = 0L; i < shape[depth]; i++)
            {
                WriteEmpty(json, shape, depth + 1, zero);
            }
        }
        json.WriteEndArray();
    }

    private static void WriteElement(Utf8JsonWriter json, Tensor tensor, long index) => WriteElements(json, tensor, index, 1);

    /// <summary>Writes elements [first, first + count) as array values (the type switch is outside the loops).</summary>
    private static void WriteElements(Utf8JsonWriter json, Tensor tensor, long first, long count)
    {
        var start = checked((int)first);
        var length = checked((int)count);
        switch (tensor.DataType)
        {
            case DataType.Bool:
                foreach (var b in tensor.Data.Span.Slice(start, length))
                {
                    json.WriteBooleanValue(b != 0);
                }
                break;
            case DataType.Int8:
                foreach (var v in tensor.AsSpan<sbyte>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.UInt8:
                foreach (var v in tensor.AsSpan<byte>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.Int16:
                foreach (var v in tensor.AsSpan<short>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.UInt16:
                foreach (var v in tensor.AsSpan<ushort>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.Int32:
                foreach (var v in tensor.AsSpan<int>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.UInt32:
                foreach (var v in tensor.AsSpan<uint>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.Int64:
                foreach (var v in tensor.AsSpan<long>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.UInt64:
                foreach (var v in tensor.AsSpan<ulong>().Slice(start, length))
                {
                    json.WriteNumberValue(v);
                }
                break;
            case DataType.Float16:
                foreach (var v in tensor.AsSpan<Half>().Slice(start, length))
                {
                    WriteFloat(json, (double)v);
                }
                break;
            case DataType.Float32:
                foreach (var v in tensor.AsSpan<float>().Slice(start, length))
                {
                    WriteFloat(json, v);
                }
                break;
            case DataType.Float64:
                foreach (var v in tensor.AsSpan<double>().Slice(start, length))
                {
                    WriteFloat(json, v);
                }
                break;
            case DataType.String:
                for (var i = start; i < start + length; i++)
                {
                    json.WriteStringValue(tensor.Items[i].Span);
                }
                break;
            default:
                for (var i = start; i < start + length; i++)
                {
                    json.WriteStartObject();
                    json.WriteBase64String("b64"u8, tensor.Items[i].Span);
                    json.WriteEndObject();
                }
                break;
        }
    }

    /// <summary>The exact value in shortest round-trip form, <c>.0</c> kept on integral values; NaN and ±∞ as null.</summary>
    internal static void WriteFloat(Utf8JsonWriter json, double value)
    {
        if (!double.IsFinite(value))
        {
            json.WriteNullValue();
            return;
        }
        Span<byte> text = stackalloc byte[40];
        value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture);
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
        json.WriteRawValue(text[..length], skipInputValidation: true);
    }

    private sealed class Cursor
    {
        public long Row { get; set; }

        public long Column { get; set; }
    }
}
