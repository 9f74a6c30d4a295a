using System.Buffers;
using Google.Protobuf;

namespace SharpServing.Grpc;

/// <summary>
/// How a message type travels: how a request is parsed from its bytes, and how a reply gives its exact size and writes
/// itself. <see cref="ProtobufMarshaller.For{T}"/> covers Google.Protobuf messages; a service may supply its own codec to read or
/// write its messages without building an object graph.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class GrpcMarshaller<T>
{
    private readonly Func<ReadOnlySequence<byte>, T>? _parse;
    private readonly Func<T, int>? _calculateSize;
    private readonly Action<T, IBufferWriter<byte>>? _write;

    /// <param name="parse">
    /// Parses one message (request side; null for a reply-only marshaller). It throws
    /// <see cref="InvalidProtocolBufferException"/> or <see cref="InvalidDataException"/> for malformed bytes, which end
    /// the call with INTERNAL. The bytes are valid only while it runs: it copies what it keeps.
    /// </param>
    /// <param name="calculateSize">The exact serialized size of a message (reply side; null for a request-only marshaller).</param>
    /// <param name="write">Writes exactly <paramref name="calculateSize"/> bytes of a message (reply side).</param>
    public GrpcMarshaller(Func<ReadOnlySequence<byte>, T>? parse, Func<T, int>? calculateSize, Action<T, IBufferWriter<byte>>? write)
    {
        if ((calculateSize is null) != (write is null))
        {
            throw new ArgumentException("A reply marshaller needs both calculateSize and write.", nameof(write));
        }
        _parse = parse;
        _calculateSize = calculateSize;
        _write = write;
    }

    /// <summary>Parses a request message.</summary>
    public T Parse(in ReadOnlySequence<byte> data)
        => (_parse ?? throw new InvalidOperationException($"The marshaller of {typeof(T).Name} cannot parse.")).Invoke(data);

    /// <summary>The serialized size of a reply message.</summary>
    public int CalculateSize(T message)
        => (_calculateSize ?? throw new InvalidOperationException($"The marshaller of {typeof(T).Name} cannot write.")).Invoke(message);

    /// <summary>Writes a reply message (exactly <see cref="CalculateSize"/> bytes).</summary>
    public void Write(T message, IBufferWriter<byte> output)
        => (_write ?? throw new InvalidOperationException($"The marshaller of {typeof(T).Name} cannot write.")).Invoke(message, output);
}
