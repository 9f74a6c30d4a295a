using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;
using SharpServing.Engine;
using Wire = SharpServing.Protocol;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// A <c>PredictRequest</c> read straight into the engine's <see cref="InferRequest"/>: Google.Protobuf's parser (its
/// <see cref="ParseContext"/>: lengths, limits, nesting depth, varints, strings, unknown fields) with the generated
/// message's field rules, but without building the message first. The generated message cost every call two maps per
/// instance (each a dictionary and a linked list, made even when empty), a node per input, a shape, a dims list and a
/// bytes list per tensor: about a third of the bytes a call to <c>add</c> allocated (docs/benchmarks.md, "The Predict
/// request and reply without the generated messages"). A test reads the same bytes both ways and compares.
/// </summary>
/// <remarks>Read-only: the server never writes a request. The rules kept from the generated code: fields by tag (a known
/// field with another wire type is an unknown field, skipped); a repeated message field (spec, shape) merges; the last
/// of <c>data</c> and <c>shm_data</c> wins; a map entry's last value for a key wins, a missing key is "" and a missing
/// value an empty tensor; field 2 instances, or field 3 when field 2 has none.</remarks>
internal sealed class PredictRequestPayload : MessageReader
{
    private const uint SpecTag = (1 << 3) | 2;
    private const uint InstancesTag = (2 << 3) | 2;
    private const uint LegacyInstancesTag = (3 << 3) | 2;

    private readonly InstanceReader _instance = new();
    private Wire.ServableSpec? _spec;
    private List<IReadOnlyDictionary<string, RequestInput>>? _instances;
    private List<IReadOnlyDictionary<string, RequestInput>>? _legacyInstances;

    /// <summary>Reads a request body; throws <see cref="InvalidProtocolBufferException"/> as the generated parser does.</summary>
    public static InferRequest Read(System.Buffers.ReadOnlySequence<byte> body)
    {
        var payload = new PredictRequestPayload();
        payload.MergeFrom(body);
        return payload.ToInferRequest();
    }

    /// <inheritdoc />
    public override MessageDescriptor Descriptor => Wire.PredictRequest.Descriptor;

    // The engine's request: field 2 instances, or the legacy field 3 when field 2 is empty.
    private InferRequest ToInferRequest()
    {
        var instances = _instances is { Count: > 0 } ? _instances : _legacyInstances;
        IReadOnlyDictionary<string, RequestInput>[] array = instances is null ? [] : [.. instances];
        return _spec is null
            ? new InferRequest(string.Empty, string.Empty, 0, array) { Protocol = "grpc" }
            : new InferRequest(_spec.Name, _spec.MethodName, _spec.VersionNumber, array) { Protocol = "grpc" };
    }

    /// <inheritdoc />
    protected override bool ReadField(ref ParseContext input, uint tag)
    {
        switch (tag)
        {
            case SpecTag:
                input.ReadMessage(_spec ??= new Wire.ServableSpec());
                return true;
            case InstancesTag:
                (_instances ??= []).Add(_instance.Read(ref input));
                return true;
            case LegacyInstancesTag:
                (_legacyInstances ??= []).Add(_instance.Read(ref input));
                return true;
            default:
                return false;
        }
    }

    /// <summary>One <c>Instance</c>: its <c>items</c> map read into the engine's inputs.</summary>
    private sealed class InstanceReader : MessageReader
    {
        private const uint ItemsTag = (1 << 3) | 2;
        private const uint OutputBuffersTag = (2 << 3) | 2;

        private static readonly MapField<string, Wire.ShmTensorData>.Codec s_outputBuffersCodec = new(
            FieldCodec.ForString(10, string.Empty), FieldCodec.ForMessage(18, Wire.ShmTensorData.Parser), OutputBuffersTag);

        private readonly EntryReader _entry = new();
        private Dictionary<string, RequestInput> _inputs = null!;
        private MapField<string, Wire.ShmTensorData>? _outputBuffers;

        public override MessageDescriptor Descriptor => Wire.Instance.Descriptor;

        public Dictionary<string, RequestInput> Read(ref ParseContext input)
        {
            _inputs = new Dictionary<string, RequestInput>(StringComparer.Ordinal);
            input.ReadMessage(this);
            var inputs = _inputs;
            _inputs = null!;
            return inputs;
        }

        protected override bool ReadField(ref ParseContext input, uint tag)
        {
            switch (tag)
            {
                case ItemsTag:
                    input.ReadMessage(_entry.Reset());
                    _inputs[_entry.Key] = _entry.Value;
                    return true;
                case OutputBuffersTag:
                    // Not used by the server (outputs are always sent in the reply), but read as the generated code reads
                    // it, so a malformed one fails the request the same way.
                    _outputBuffers ??= new MapField<string, Wire.ShmTensorData>();
                    _outputBuffers.AddEntriesFrom(ref input, s_outputBuffersCodec);
                    _outputBuffers.Clear();
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>One <c>items</c> map entry: key 1, value 2 (a <c>Tensor</c>, read into a <see cref="RequestInput"/>).</summary>
    private sealed class EntryReader : MessageReader
    {
        private const uint KeyTag = (1 << 3) | 2;
        private const uint ValueTag = (2 << 3) | 2;

        private readonly TensorReader _tensor = new();
        private RequestInput _value;
        private bool _hasValue;

        public string Key { get; private set; } = string.Empty;

        // A missing value is an empty tensor, as the generated code reads it.
        public RequestInput Value => _hasValue ? _value : _tensor.Empty();

        public override MessageDescriptor Descriptor => Wire.Tensor.Descriptor;

        public EntryReader Reset()
        {
            Key = string.Empty;
            _hasValue = false;
            return this;
        }

        protected override bool ReadField(ref ParseContext input, uint tag)
        {
            switch (tag)
            {
                case KeyTag:
                    Key = input.ReadString();
                    return true;
                case ValueTag:
                    // Each value replaces the one before (a map entry's value is read whole, not merged).
                    _value = _tensor.Read(ref input);
                    _hasValue = true;
                    return true;
                default:
                    // Inside a map entry the library skips other fields without keeping them, and a tag with one of the two
                    // undefined wire types (6, 7) is passed over; elsewhere that tag fails the message.
                    return (tag & 7) >= 6;
            }
        }
    }

    /// <summary>One <c>Tensor</c>, checked and turned into a request input when it ends.</summary>
    private sealed class TensorReader : MessageReader
    {
        private const uint ShapeTag = (1 << 3) | 2;
        private const uint DtypeTag = 2 << 3;
        private const uint DataTag = (3 << 3) | 2;
        private const uint BytesValTag = (4 << 3) | 2;
        private const uint ShmDataTag = (5 << 3) | 2;

        private readonly ShapeReader _shape = new();
        private readonly List<ByteString> _items = [];
        private int _dataType;
        private ByteString? _data;
        private bool _sharedMemory;

        public override MessageDescriptor Descriptor => Wire.Tensor.Descriptor;

        public RequestInput Read(ref ParseContext input)
        {
            Clear();
            input.ReadMessage(this);
            return Input();
        }

        public RequestInput Empty()
        {
            Clear();
            return Input();
        }

        private void Clear()
        {
            _shape.Dims.Clear();
            _items.Clear();
            _dataType = 0;
            _data = null;
            _sharedMemory = false;
        }

        private RequestInput Input()
            => PredictConversion.ToInput(_dataType, _shape.Dims, _data ?? ByteString.Empty, _items, _sharedMemory);

        protected override bool ReadField(ref ParseContext input, uint tag)
        {
            switch (tag)
            {
                case ShapeTag:
                    // A repeated message field merges: dims add up.
                    input.ReadMessage(_shape);
                    return true;
                case DtypeTag:
                    _dataType = input.ReadEnum();
                    return true;
                case DataTag:
                    _data = input.ReadBytes();
                    _sharedMemory = false;
                    return true;
                case BytesValTag:
                    _items.Add(input.ReadBytes());
                    return true;
                case ShmDataTag:
                    input.ReadMessage(new Wire.ShmTensorData());
                    _data = null;
                    _sharedMemory = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary><c>TensorShape</c>: dims, packed or not, read by the library's repeated-field reader into one reused list.</summary>
    private sealed class ShapeReader : MessageReader
    {
        private static readonly FieldCodec<long> s_dimsCodec = FieldCodec.ForInt64(10);

        public RepeatedField<long> Dims { get; } = [];

        public override MessageDescriptor Descriptor => Wire.TensorShape.Descriptor;

        protected override bool ReadField(ref ParseContext input, uint tag)
        {
            if (tag is not (10 or 8))
            {
                return false;
            }
            Dims.AddEntriesFrom(ref input, s_dimsCodec);
            return true;
        }
    }
}
