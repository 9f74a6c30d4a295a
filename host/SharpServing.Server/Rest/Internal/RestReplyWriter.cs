using System.Buffers;
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

    [ThreadStatic]
    private static Utf8JsonWriter? t_textWriter;

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

    /// <summary>
    /// Writes the reply, or the construction error when it cannot be rendered. The structure and numeric tensors are
    /// written straight into the output; the writer renders (and escapes) only texts, each as a value of its own.
    /// </summary>
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
        output.Write("{\"instances\":["u8);
        var instances = reply.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            output.Write(i == 0 ? "{"u8 : ",{"u8);
            var instance = instances[i];
            if (instance.Error is { } instanceError)
            {
                output.Write("\"error_msg\":"u8);
                WriteText(output, instanceError.Message);
            }
            else
            {
                var outputs = instance.Outputs!;
                for (var o = 0; o < outputs.Count; o++)
                {
                    var (name, tensor) = outputs[o];
                    if (o > 0)
                    {
                        output.Write(","u8);
                    }
                    WriteText(output, name);
                    output.Write(":"u8);
                    if (tensor.DataType.IsNumeric())
                    {
                        await WriteNumericAsync(output, tensor, cancellationToken);
                    }
                    else
                    {
                        await WriteItemsAsync(output, tensor, cancellationToken);
                    }
                }
            }
            output.Write("}"u8);
        }
        output.Write("]}"u8);
        await output.FlushAsync(cancellationToken);
    }

    private static async Task WriteNumericAsync(PipeWriter output, Tensor tensor, CancellationToken cancellationToken)
    {
        if (tensor.Rank == 0)
        {
            new NumericJsonWriter(output).WriteScalar(tensor);
            return;
        }
        var cursor = default(NumericJsonWriter.Cursor);
        while (!new NumericJsonWriter(output).WriteSome(tensor, ref cursor, ChunkElements))
        {
            await output.FlushAsync(cancellationToken);
        }
    }

    /// <summary>A string or bytes tensor (rank 0 or 1): a value, or an array of values, through the JSON writer.</summary>
    private static async Task WriteItemsAsync(PipeWriter output, Tensor tensor, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output, s_options);
        if (tensor.Rank == 0)
        {
            WriteItems(json, tensor, 0, 1);
            json.Flush();
            return;
        }
        json.WriteStartArray();
        var count = (int)tensor.ElementCount;
        for (var first = 0; first < count; first += ChunkElements)
        {
            if (first > 0)
            {
                json.Flush();
                await output.FlushAsync(cancellationToken);
            }
            WriteItems(json, tensor, first, Math.Min(ChunkElements, count - first));
        }
        json.WriteEndArray();
        json.Flush();
    }

    /// <summary>
    /// A text as one JSON string value, escaped as the writer escapes property names and strings. The writer is the
    /// thread's own, reused: nothing here awaits, and it lets go of the output before returning.
    /// </summary>
    private static void WriteText(PipeWriter output, string text)
    {
        var json = t_textWriter ??= new Utf8JsonWriter(Stream.Null, s_options);
        json.Reset(output);
        try
        {
            json.WriteStringValue(text);
            json.Flush();
        }
        finally
        {
            json.Reset(Stream.Null);
        }
    }

    /// <summary>Why the reply cannot be rendered, or null.</summary>
    internal static string? FindProblem(InferReply reply)
    {
        // Indexed loops: no enumerator per request.
        var instances = reply.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            var instance = instances[i];
            if (instance.Error is not null)
            {
                continue;
            }
            if (instance.Outputs is not { } outputs)
            {
                return "an instance has neither outputs nor an error";
            }
            for (var o = 0; o < outputs.Count; o++)
            {
                var problem = FindProblem(outputs[o].Key, outputs[o].Value);
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

    private static void WriteItems(Utf8JsonWriter json, Tensor tensor, int first, int count)
    {
        var items = tensor.Items;
        for (var i = first; i < first + count; i++)
        {
            if (tensor.DataType == DataType.String)
            {
                json.WriteStringValue(items[i].Span);
            }
            else
            {
                json.WriteStartObject();
                json.WriteBase64String("b64"u8, items[i].Span);
                json.WriteEndObject();
            }
        }
    }
}
