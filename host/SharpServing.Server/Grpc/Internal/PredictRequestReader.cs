using System.Buffers;
using SharpServing.Engine;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Parses a MindSpore <c>PredictRequest</c> straight into an <see cref="InferRequest"/>, with protobuf's rules (unknown
/// fields skipped, last value wins, repeated message fields merge, dims packed or not). The message is copied once into
/// an array of its own; numeric tensors and items are read-only slices of it. Malformed tensors become
/// <see cref="RequestInput.Invalid"/> with the detail text, reported by the dispatcher only for declared inputs.
/// </summary>
internal static class PredictRequestReader
{
    // Field tags (field number << 3 | wire type).
    private const uint SpecTag = 0x0A;
    private const uint InstancesTag = 0x12;
    private const uint LegacyInstancesTag = 0x1A;
    private const uint NameTag = 0x0A;
    private const uint MethodTag = 0x12;
    private const uint VersionTag = 0x18;
    private const uint ItemsTag = 0x0A;
    private const uint EntryKeyTag = 0x0A;
    private const uint EntryValueTag = 0x12;
    private const uint ShapeTag = 0x0A;
    private const uint DtypeTag = 0x10;
    private const uint DataTag = 0x1A;
    private const uint BytesValTag = 0x22;
    private const uint ShmDataTag = 0x2A;
    private const uint PackedDimsTag = 0x0A;
    private const uint DimTag = 0x08;

    public static InferRequest Parse(ReadOnlySequence<byte> message)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)message.Length));
        message.CopyTo(bytes);
        return Parse(bytes);
    }

    public static InferRequest Parse(byte[] message)
    {
        var reader = new ProtoReader(message, 0, message.Length);
        string name = string.Empty, method = string.Empty;
        ulong version = 0;
        List<IReadOnlyDictionary<string, RequestInput>>? instances = null, legacy = null;
        while (reader.TryReadTag(out var tag))
        {
            switch (tag)
            {
                case SpecTag:
                    ReadSpec(reader.ReadMessage(), ref name, ref method, ref version);
                    break;
                case InstancesTag:
                    (instances ??= []).Add(ReadInstance(reader.ReadMessage()));
                    break;
                case LegacyInstancesTag:
                    (legacy ??= []).Add(ReadInstance(reader.ReadMessage()));
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }
        // Field 2 wins when it has entries; legacy clients (MindSpore Serving ≤ 1.2) fill field 3.
        IReadOnlyList<IReadOnlyDictionary<string, RequestInput>> chosen = instances ?? legacy ?? [];
        return new InferRequest(name, method, version, chosen);
    }

    private static void ReadSpec(ProtoReader reader, ref string name, ref string method, ref ulong version)
    {
        while (reader.TryReadTag(out var tag))
        {
            switch (tag)
            {
                case NameTag:
                    name = ReadString(ref reader);
                    break;
                case MethodTag:
                    method = ReadString(ref reader);
                    break;
                case VersionTag:
                    version = reader.ReadVarint();
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }
    }

    private static Dictionary<string, RequestInput> ReadInstance(ProtoReader reader)
    {
        var inputs = new Dictionary<string, RequestInput>(StringComparer.Ordinal);
        while (reader.TryReadTag(out var tag))
        {
            if (tag == ItemsTag)
            {
                var (key, input) = ReadEntry(reader.ReadMessage());
                inputs[key] = input;
            }
            else
            {
                reader.Skip(tag);
            }
        }
        return inputs;
    }

    private static (string Key, RequestInput Input) ReadEntry(ProtoReader reader)
    {
        var key = string.Empty;
        var tensor = new WireTensorFields(stackalloc long[8]);
        while (reader.TryReadTag(out var tag))
        {
            switch (tag)
            {
                case EntryKeyTag:
                    key = ReadString(ref reader);
                    break;
                case EntryValueTag:
                    // A message field seen twice merges, as protobuf does.
                    ReadTensor(reader.ReadMessage(), ref tensor);
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }
        return (key, tensor.ToInput(reader.Buffer));
    }

    private static void ReadTensor(ProtoReader reader, ref WireTensorFields tensor)
    {
        while (reader.TryReadTag(out var tag))
        {
            switch (tag)
            {
                case ShapeTag:
                    ReadShape(reader.ReadMessage(), ref tensor);
                    break;
                case DtypeTag:
                    // An enum is an int32 on the wire: the low 32 bits of the varint.
                    tensor.DataType = unchecked((int)reader.ReadVarint());
                    break;
                case DataTag:
                    tensor.Data = reader.ReadLengthDelimited();
                    tensor.Case = WireTensorFields.DataCase.Data;
                    break;
                case BytesValTag:
                    var item = reader.ReadLengthDelimited();
                    if (tensor.ItemCount++ == 0)
                    {
                        tensor.FirstItem = item;
                    }
                    break;
                case ShmDataTag:
                    reader.ReadLengthDelimited();
                    tensor.Case = WireTensorFields.DataCase.SharedMemory;
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }
    }

    private static void ReadShape(ProtoReader reader, ref WireTensorFields tensor)
    {
        while (reader.TryReadTag(out var tag))
        {
            switch (tag)
            {
                case PackedDimsTag:
                    var packed = reader.ReadMessage();
                    while (packed.HasMore)
                    {
                        tensor.AddDim(unchecked((long)packed.ReadVarint()));
                    }
                    break;
                case DimTag:
                    tensor.AddDim(unchecked((long)reader.ReadVarint()));
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }
    }

    private static string ReadString(ref ProtoReader reader)
    {
        var (start, length) = reader.ReadLengthDelimited();
        return Utf8StringCache.Get(reader.Buffer.AsSpan(start, length));
    }
}
