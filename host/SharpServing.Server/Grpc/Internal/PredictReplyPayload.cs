using Google.Protobuf;
using Google.Protobuf.Reflection;
using SharpServing.Engine;
using Wire = SharpServing.Protocol;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// A <c>PredictReply</c> written straight from the engine's <see cref="InferReply"/>: the same bytes Google.Protobuf writes
/// for the message <see cref="PredictConversion.ToPredictReply"/> builds (a test compares them), through the library's
/// <see cref="WriteContext"/>, without building that message. Building it cost every call a reply object graph of a map
/// per instance (a dictionary, a linked list and a node per output), a shape, a dims list and a tensor per output: about
/// a fifth of the bytes a call to <c>add</c> allocated (docs/benchmarks.md, "The Predict request
/// and reply without the generated messages").
/// </summary>
/// <remarks>Write-only: the server never parses a reply. Field order and presence follow the generated code: fields by
/// number, proto3 scalars and strings only when not default, a set message field (spec, shape) and the tensor's
/// <c>data</c> (a member of a oneof) always; a map entry's key only when not empty, its value always.</remarks>
internal sealed class PredictReplyPayload(InferRequest request, InferReply reply) : IBufferMessage
{
    // Tags: field number << 3 | wire type (0 varint, 2 length-delimited).
    private const uint SpecTag = (1 << 3) | 2;
    private const uint InstanceTag = (3 << 3) | 2;
    private const uint ErrorTag = (4 << 3) | 2;
    private const uint NameTag = (1 << 3) | 2;
    private const uint MethodTag = (2 << 3) | 2;
    private const uint VersionTag = 3 << 3;
    private const uint ItemTag = (1 << 3) | 2;
    private const uint KeyTag = (1 << 3) | 2;
    private const uint ValueTag = (2 << 3) | 2;
    private const uint ShapeTag = (1 << 3) | 2;
    private const uint DimsTag = (1 << 3) | 2;
    private const uint DtypeTag = 2 << 3;
    private const uint DataTag = (3 << 3) | 2;
    private const uint BytesValTag = (4 << 3) | 2;
    private const uint ErrorCodeTag = 1 << 3;
    private const uint ErrorTextTag = (2 << 3) | 2;

    // Every tag above is one byte.
    private const int TagSize = 1;

    /// <summary>The request the reply answers (its spec is echoed).</summary>
    public InferRequest Request { get; } = request;

    /// <summary>The engine's reply.</summary>
    public InferReply Reply { get; } = reply;

    /// <inheritdoc />
    public MessageDescriptor Descriptor => Wire.PredictReply.Descriptor;

    /// <inheritdoc />
    public int CalculateSize()
    {
        var size = TagSize + LengthPrefixed(SpecSize());
        if (Reply.Error is { } error)
        {
            return size + TagSize + LengthPrefixed(ErrorSize(error));
        }
        var instances = Reply.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            size += TagSize + LengthPrefixed(InstanceSize(instances[i]));
            if (Reply.HasInstanceErrors)
            {
                size += TagSize + LengthPrefixed(ErrorSize(instances[i].Error));
            }
        }
        return size;
    }

    /// <inheritdoc />
    public void InternalWriteTo(ref WriteContext output)
    {
        output.WriteTag(SpecTag);
        output.WriteLength(SpecSize());
        WriteString(ref output, NameTag, Request.Servable);
        WriteString(ref output, MethodTag, Request.Method);
        if (Request.Version != 0)
        {
            output.WriteTag(VersionTag);
            output.WriteUInt64(Request.Version);
        }
        if (Reply.Error is { } error)
        {
            WriteError(ref output, error);
            return;
        }
        // The generated message writes every instance (field 3) before every error entry (field 4).
        var instances = Reply.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            WriteInstance(ref output, instances[i]);
        }
        if (Reply.HasInstanceErrors)
        {
            for (var i = 0; i < instances.Count; i++)
            {
                WriteError(ref output, instances[i].Error);
            }
        }
    }

    /// <inheritdoc />
    public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

    /// <inheritdoc />
    public void MergeFrom(CodedInputStream input) => throw new NotSupportedException("A reply written from the engine's reply is never parsed.");

    /// <inheritdoc />
    public void InternalMergeFrom(ref ParseContext input) => throw new NotSupportedException("A reply written from the engine's reply is never parsed.");

    private int SpecSize()
        => StringSize(Request.Servable) + StringSize(Request.Method)
            + (Request.Version == 0 ? 0 : TagSize + CodedOutputStream.ComputeUInt64Size(Request.Version));

    private static int InstanceSize(InstanceResult result)
    {
        var size = 0;
        if (result.Outputs is { } outputs)
        {
            for (var i = 0; i < outputs.Count; i++)
            {
                size += TagSize + LengthPrefixed(EntrySize(outputs[i]));
            }
        }
        return size;
    }

    private static int EntrySize(KeyValuePair<string, Tensor> output)
        => StringSize(output.Key) + TagSize + LengthPrefixed(TensorSize(output.Value));

    private static int TensorSize(Tensor tensor)
    {
        var size = TagSize + LengthPrefixed(ShapeSize(tensor.Shape));
        if (tensor.DataType != DataType.Unknown)
        {
            size += TagSize + CodedOutputStream.ComputeEnumSize((int)tensor.DataType);
        }
        if (tensor.DataType.IsItems())
        {
            var items = tensor.Items;
            for (var i = 0; i < items.Count; i++)
            {
                size += TagSize + LengthPrefixed(items[i].Length);
            }
        }
        else
        {
            size += TagSize + LengthPrefixed(tensor.Data.Length);
        }
        return size;
    }

    private static int ShapeSize(ReadOnlySpan<long> dims) => dims.Length == 0 ? 0 : TagSize + LengthPrefixed(DimsSize(dims));

    private static int DimsSize(ReadOnlySpan<long> dims)
    {
        var size = 0;
        foreach (var dim in dims)
        {
            size += CodedOutputStream.ComputeInt64Size(dim);
        }
        return size;
    }

    private static int ErrorSize(ServingError? error)
    {
        if (error is null)
        {
            return 0;
        }
        return ((long)error.Code == 0 ? 0 : TagSize + CodedOutputStream.ComputeInt64Size((long)error.Code)) + StringSize(error.Message);
    }

    private static int StringSize(string value) => value.Length == 0 ? 0 : TagSize + CodedOutputStream.ComputeStringSize(value);

    private static int LengthPrefixed(int length) => CodedOutputStream.ComputeLengthSize(length) + length;

    private static void WriteInstance(ref WriteContext output, InstanceResult result)
    {
        output.WriteTag(InstanceTag);
        output.WriteLength(InstanceSize(result));
        if (result.Outputs is not { } outputs)
        {
            return;
        }
        for (var i = 0; i < outputs.Count; i++)
        {
            var (key, tensor) = outputs[i];
            output.WriteTag(ItemTag);
            output.WriteLength(EntrySize(outputs[i]));
            WriteString(ref output, KeyTag, key);
            output.WriteTag(ValueTag);
            output.WriteLength(TensorSize(tensor));
            WriteTensor(ref output, tensor);
        }
    }

    private static void WriteTensor(ref WriteContext output, Tensor tensor)
    {
        var dims = tensor.Shape;
        output.WriteTag(ShapeTag);
        output.WriteLength(ShapeSize(dims));
        if (dims.Length > 0)
        {
            output.WriteTag(DimsTag);
            output.WriteLength(DimsSize(dims));
            foreach (var dim in dims)
            {
                output.WriteInt64(dim);
            }
        }
        if (tensor.DataType != DataType.Unknown)
        {
            output.WriteTag(DtypeTag);
            output.WriteEnum((int)tensor.DataType);
        }
        if (tensor.DataType.IsItems())
        {
            var items = tensor.Items;
            for (var i = 0; i < items.Count; i++)
            {
                output.WriteTag(BytesValTag);
                output.WriteBytes(UnsafeByteOperations.UnsafeWrap(items[i]));
            }
        }
        else
        {
            // The tensor's memory, wrapped: no copy before it reaches the transport's buffer.
            output.WriteTag(DataTag);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(tensor.Data));
        }
    }

    // A request-wide error, or one instance's entry (success: an empty entry).
    private static void WriteError(ref WriteContext output, ServingError? error)
    {
        output.WriteTag(ErrorTag);
        output.WriteLength(ErrorSize(error));
        if (error is null)
        {
            return;
        }
        if ((long)error.Code != 0)
        {
            output.WriteTag(ErrorCodeTag);
            output.WriteInt64((long)error.Code);
        }
        WriteString(ref output, ErrorTextTag, error.Message);
    }

    private static void WriteString(ref WriteContext output, uint tag, string value)
    {
        if (value.Length > 0)
        {
            output.WriteTag(tag);
            output.WriteString(value);
        }
    }
}
