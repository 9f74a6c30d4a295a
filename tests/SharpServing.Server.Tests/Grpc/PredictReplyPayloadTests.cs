using System.Buffers;
using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Protocol;
using SharpServing.Server.Grpc.Internal;
using SdkTensor = SharpServing.Tensor;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>
/// The reply the server writes from the engine's reply is byte for byte what Google.Protobuf writes for the generated
/// <see cref="PredictReply"/> that <see cref="PredictConversion.ToPredictReply"/> builds from the same reply.
/// </summary>
public sealed class PredictReplyPayloadTests
{
    public static TheoryData<string> Cases => new(s_cases.Keys);

    private static readonly Dictionary<string, (InferRequest Request, InferReply Reply)> s_cases = new()
    {
        ["add"] = (new("add", "add_common", 1, []), InferReply.Create([Ok(("y", SdkTensor.Create(new[] { 1f, 2f, 3f, 4f }, 2, 2)))])),
        ["no spec, version 0"] = (new("", "", 0, []), InferReply.Create([Ok(("y", SdkTensor.Scalar(3L)))])),
        ["largest version, non-ASCII names"] = (new("séance", "方法", ulong.MaxValue, []), InferReply.Create([Ok(("y", SdkTensor.Scalar(1.5)))])),
        ["request-wide error"] = (new("add", "m", 3, []), InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, "bad x1"))),
        ["request-wide error, empty text"] = (new("add", "m", 3, []), InferReply.Failure(new ServingError(ErrorCode.SystemError, ""))),
        ["request-wide error, code 0"] = (new("add", "m", 3, []), InferReply.Failure(new ServingError((ErrorCode)0, "odd"))),
        ["partial failure"] = (new("add", "m", 2, []), InferReply.Create([
            Ok(("y", SdkTensor.Scalar(3L))), InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs, "bad x1")), Ok()])),
        ["no instances"] = (new("add", "m", 2, []), InferReply.Create([])),
        ["instance without outputs"] = (new("add", "m", 2, []), InferReply.Create([Ok(), Ok()])),
        ["every kind of output"] = (new("s", "m", 7, []), InferReply.Create([Ok(
            ("y", SdkTensor.Create(new[] { 1f, 2f, 3f, 4f }, 2, 2)), ("text", SdkTensor.FromString("héllo")),
            ("many", SdkTensor.FromStrings(["a", "", "c"])), ("", SdkTensor.Scalar(1.0)), ("empty", SdkTensor.Zeros<float>(0)),
            ("bytes", SdkTensor.FromBytes(new byte[] { 0, 1, 2 })), ("no items", SdkTensor.FromStrings([])),
            ("bool", SdkTensor.Create(new[] { true, false }, 2)), ("deep", SdkTensor.Zeros<byte>(1, 1, 1, 1, 1, 1, 1, 1, 1, 2)),
            ("wide", SdkTensor.Zeros<long>(200, 3)))])),
        ["outputs past a buffer segment"] = (new("big", "m", 1, []), InferReply.Create([
            Ok(("a", SdkTensor.Zeros<float>(70_000)), ("b", SdkTensor.FromStrings([new string('x', 20_000), "", new string('é', 9_000)]))),
            Ok(("a", SdkTensor.Zeros<float>(3)))])),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_written_reply_is_the_generated_message_s_bytes(string name)
    {
        var (request, reply) = s_cases[name];
        var expected = PredictConversion.ToPredictReply(request, reply).ToByteArray();
        var payload = new PredictReplyPayload(request, reply);

        Assert.Equal(expected.Length, payload.CalculateSize());
        Assert.Equal(expected, payload.ToByteArray());
        // Through a buffer writer that hands out small segments, as the transport's pipe does.
        var writer = new SegmentedWriter(segment: 61);
        payload.WriteTo(writer);
        Assert.Equal(expected, writer.ToArray());
    }

    [Fact]
    public void Random_replies_are_written_as_the_generated_message()
    {
        var random = new Random(20261207);
        for (var round = 0; round < 500; round++)
        {
            var request = new InferRequest(RandomText(random), RandomText(random), random.Next(3) == 0 ? 0 : (ulong)random.NextInt64(), []);
            var reply = random.Next(6) == 0
                ? InferReply.Failure(new ServingError((ErrorCode)random.Next(-3, 10), RandomText(random)))
                : InferReply.Create(Enumerable.Range(0, random.Next(4)).Select(_ => RandomResult(random)).ToArray());

            var expected = PredictConversion.ToPredictReply(request, reply).ToByteArray();

            Assert.Equal(expected, new PredictReplyPayload(request, reply).ToByteArray());
        }
    }

    [Fact]
    public void A_parsed_reply_reads_back_what_the_engine_answered()
    {
        var (request, reply) = s_cases["every kind of output"];

        var parsed = PredictReply.Parser.ParseFrom(new PredictReplyPayload(request, reply).ToByteArray());

        Assert.Equal(new ServableSpec { Name = "s", MethodName = "m", VersionNumber = 7 }, parsed.ServableSpec);
        var items = parsed.Instances.Single().Items;
        Assert.Equal(10, items.Count);
        Assert.Equal([2L, 2L], items["y"].Shape.Dims);
        Assert.Equal(Protocol.DataType.MsFloat32, items["y"].Dtype);
        Assert.Equal(["a", "", "c"], items["many"].BytesVal.Select(b => b.ToStringUtf8()));
        Assert.Equal(Protocol.Tensor.TensorDataOneofCase.Data, items["empty"].TensorDataCase);
        Assert.Empty(parsed.ErrorMsg);
    }

    private static InstanceResult Ok(params (string Name, SdkTensor Tensor)[] outputs)
        => InstanceResult.Success(outputs.Select(o => new KeyValuePair<string, SdkTensor>(o.Name, o.Tensor)).ToArray());

    private static InstanceResult RandomResult(Random random)
    {
        if (random.Next(4) == 0)
        {
            return InstanceResult.Failure(new ServingError((ErrorCode)random.Next(-3, 10), RandomText(random)));
        }
        // Distinct names: a method's outputs are.
        var names = Enumerable.Range(0, random.Next(4)).Select(i => i + RandomText(random)).ToArray();
        return InstanceResult.Success(names.Select(n => new KeyValuePair<string, SdkTensor>(n, RandomTensor(random))).ToArray());
    }

    private static SdkTensor RandomTensor(Random random)
    {
        var dims = Enumerable.Range(0, random.Next(4)).Select(_ => (long)random.Next(0, 5)).ToArray();
        var count = (int)dims.Aggregate(1L, (a, b) => a * b);
        switch (random.Next(3))
        {
            case 0:
                var items = Enumerable.Range(0, count).Select(_ => (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(RandomText(random))).ToArray();
                return SdkTensor.FromItems(SharpServing.DataType.String, dims, items);
            case 1:
                var values = new double[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = random.NextDouble();
                }
                return SdkTensor.Create(values, dims);
            default:
                var bytes = new byte[count];
                random.NextBytes(bytes);
                return SdkTensor.Create(bytes, dims);
        }
    }

    private static string RandomText(Random random)
    {
        const string alphabet = "abcxyz_0 é方\u00ff";
        return new string(Enumerable.Range(0, random.Next(12)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    // An IBufferWriter that never hands out more than a few bytes at once.
    private sealed class SegmentedWriter(int segment) : IBufferWriter<byte>
    {
        private readonly List<byte[]> _written = [];
        private byte[] _current = [];

        public void Advance(int count) => _written.Add(_current[..count]);

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(segment, sizeHint)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] ToArray() => _written.SelectMany(b => b).ToArray();
    }
}
