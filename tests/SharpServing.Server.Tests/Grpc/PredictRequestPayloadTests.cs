using Google.Protobuf;
using SharpServing.Fuzz;
using SharpServing.Protocol;
using SharpServing.Server.Grpc.Internal;
using static SharpServing.Server.Tests.Grpc.Wire;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>
/// The server reads a Predict body straight into the engine's request; these compare it, on the same bytes, with
/// Google.Protobuf's generated <see cref="PredictRequest"/> parser followed by <see cref="PredictConversion.ToInferRequest"/>:
/// the same request, or an <see cref="InvalidProtocolBufferException"/> from both.
/// </summary>
public sealed class PredictRequestPayloadTests
{
    [Fact]
    public void Requests_of_every_shape_read_as_the_generated_parser_reads_them()
    {
        var legacy = Request("add", "m", 2);
        legacy.LegacyInstances.Add(Instance(("z", Filled(1, 1))));
        var both = Request("add", "m", ulong.MaxValue, AddInstance(1));
        both.LegacyInstances.Add(Instance(("z", Filled(1))));
        var withBuffers = Instance(("x", Filled(2, 1)));
        withBuffers.OutputBuffers["y"] = new ShmTensorData { MemoryKey = "m", BytesSize = 4 };
        var kinds = Instance([
            .. InputsOfEveryKind(),
            ("negative dtype", Numeric((Protocol.DataType)(-5), [])),
            ("deep", Numeric(Protocol.DataType.MsUint8, new byte[2], 1, 1, 1, 1, 1, 1, 1, 1, 1, 2)),
            ("", Filled(1)), ("no shape", new Protocol.Tensor { Dtype = Protocol.DataType.MsInt64, Data = ByteString.CopyFrom(new byte[8]) })]);
        PredictRequest[] requests =
        [
            AddRequest(AddInstance(1)), AddRequest(AddInstance(1), AddInstance(2), AddInstance(3)), new PredictRequest(), legacy, both,
            AddRequest(kinds), AddRequest(withBuffers), AddRequest(new Instance()), Request("séance", "方法", 7),
        ];

        foreach (var request in requests)
        {
            AssertSameRead(request.ToByteArray());
        }
    }

    [Fact]
    public void Wire_forms_the_generated_code_accepts_read_the_same()
    {
        // Unpacked dims; a shape, a spec and a map value sent twice (merged, merged, replaced); data after shm_data and the
        // reverse; a duplicate key (the last value wins); an entry without a key or a value; unknown fields at every level;
        // a known field number with the wrong wire type (skipped as unknown).
        byte[][] bodies =
        [
            Body(w => Field(w, 2, i => Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => { Varint(t, 2, 11); Field(t, 1, s => { Varint(s, 1, 2); Varint(s, 1, 1); }); Bytes(t, 3, new byte[8]); }); }))),
            Body(w => Field(w, 2, i => Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => { Field(t, 1, s => Varint(s, 1, 2)); Varint(t, 2, 11); Field(t, 1, s => Varint(s, 1, 1)); Bytes(t, 3, new byte[8]); }); }))),
            Body(w => { Field(w, 1, s => Str(s, 1, "a")); Field(w, 1, s => { Str(s, 2, "m"); Varint(s, 3, 4); }); Field(w, 1, s => Str(s, 1, "b")); }),
            Body(w => Field(w, 2, i => Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => Varint(t, 2, 11)); Field(e, 2, t => { Varint(t, 2, 6); Bytes(t, 3, new byte[4]); }); }))),
            Body(w => Field(w, 2, i => Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => { Varint(t, 2, 6); Field(t, 5, m => Str(m, 1, "k")); Bytes(t, 3, new byte[4]); }); }))),
            Body(w => Field(w, 2, i => Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => { Varint(t, 2, 6); Bytes(t, 3, new byte[4]); Field(t, 5, m => Str(m, 1, "k")); }); }))),
            Body(w => Field(w, 2, i => { Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => Varint(t, 2, 1)); }); Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => { Varint(t, 2, 6); Bytes(t, 3, new byte[4]); }); }); })),
            Body(w => Field(w, 2, i => { Field(i, 1, e => Field(e, 2, t => { Varint(t, 2, 6); Bytes(t, 3, new byte[4]); })); Field(i, 1, e => Str(e, 1, "v")); })),
            Body(w => { Varint(w, 9, 1); Field(w, 2, i => { Bytes(i, 7, [1, 2]); Field(i, 1, e => { Varint(e, 3, 5); Str(e, 1, "x"); Field(e, 2, t => { Fixed64(t, 15); Varint(t, 2, 6); Bytes(t, 3, new byte[4]); Field(t, 1, s => { Varint(s, 2, 1); Varint(s, 1, 1); }); }); }); }); Fixed32(w, 12); }),
            Body(w => { Varint(w, 1, 5); Varint(w, 2, 1); Field(w, 2, i => { Varint(i, 1, 3); Field(i, 1, e => { Varint(e, 1, 3); Field(e, 2, t => { Varint(t, 1, 1); Varint(t, 3, 1); Varint(t, 2, 6); Bytes(t, 3, new byte[4]); }); }); }); }),
            Body(w => Field(w, 2, i => Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => { Varint(t, 2, 13); Field(t, 1, s => Varint(s, 1, 1)); Bytes(t, 4, "a"u8.ToArray()); Bytes(t, 4, "b"u8.ToArray()); }); }))),
            Body(w => { Field(w, 3, i => Field(i, 1, e => { Str(e, 1, "legacy"); Field(e, 2, t => { Varint(t, 2, 6); Bytes(t, 3, new byte[4]); }); })); Field(w, 2, _ => { }); }),
            Body(w => { w.WriteTag(20, WireFormat.WireType.StartGroup); Varint(w, 1, 1); w.WriteTag(20, WireFormat.WireType.EndGroup); Field(w, 2, i => Field(i, 1, e => Str(e, 1, "g"))); }),
        ];

        foreach (var body in bodies)
        {
            AssertSameRead(body);
        }
    }

    [Fact]
    public void Malformed_bodies_fail_in_both_readers()
    {
        var valid = AddRequest(AddInstance(1), AddInstance(2)).ToByteArray();
        byte[][] bodies =
        [
            valid[..^1], valid[..5], [0x00], [0x12, 0x05, 0x0a], [0x12, 0xff, 0xff, 0xff, 0xff, 0x0f], [0x0a, 0x02, 0x0a, 0x80],
            [0x0b], [0x0c], [0x12, 0x02, 0x0c, 0x00], [0x0f], [0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            Body(w => Field(w, 2, i => Field(i, 1, e => { Str(e, 1, "x"); Field(e, 2, t => Field(t, 5, m => m.WriteTag(1, WireFormat.WireType.EndGroup))); }))),
            Body(w => Field(w, 2, i => Field(i, 2, e => Field(e, 2, m => Varint(m, 1, 1))))) [..^1],
            Nested(120), Nested(100),
        ];

        foreach (var body in bodies)
        {
            AssertSameRead(body);
        }
    }

    [Fact]
    public void Random_and_mutated_bodies_read_as_the_generated_parser_reads_them()
    {
        var random = new Random(20261207);
        var seeds = new[]
        {
            AddRequest(AddInstance(1), AddInstance(2)).ToByteArray(),
            AddRequest(Instance(("s", Items(Protocol.DataType.MsString, [1], "héllo"u8.ToArray())), ("x", Numeric(Protocol.DataType.MsInt64, new byte[16], 2)))).ToByteArray(),
        };
        var failed = 0;
        for (var round = 0; round < 20_000; round++)
        {
            var body = seeds[random.Next(seeds.Length)].ToArray();
            switch (random.Next(4))
            {
                case 0:
                    body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    body = body[..random.Next(body.Length)];
                    break;
                case 2:
                    body[random.Next(body.Length)] = (byte)random.Next(256);
                    body[random.Next(body.Length)] = (byte)random.Next(256);
                    break;
                default:
                    var noise = new byte[random.Next(1, 40)];
                    random.NextBytes(noise);
                    var at = random.Next(body.Length);
                    body = [.. body[..at], .. noise, .. body[at..]];
                    break;
            }
            failed += AssertSameRead(body) ? 0 : 1;
        }
        // Both outcomes were exercised.
        Assert.InRange(failed, 1000, 19_000);
    }

    [Fact]
    public void The_fuzzing_seeds_are_requests_both_readers_read()
    {
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "corpus", "predict"));

        Assert.NotEmpty(seeds);
        Assert.All(seeds, seed => Assert.True(AssertSameRead(File.ReadAllBytes(seed)), seed));
    }

    // True when both read the body (the same request); false when both refused it; fails the test when they disagree.
    private static bool AssertSameRead(byte[] body) => FuzzTargets.PredictReadersAgree(body);

    private static byte[] Body(Action<CodedOutputStream> write)
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        write(coded);
        coded.Flush();
        return output.ToArray();
    }

    private static void Field(CodedOutputStream output, int number, Action<CodedOutputStream> write)
    {
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(Body(write)));
    }

    private static void Str(CodedOutputStream output, int number, string value)
    {
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    private static void Bytes(CodedOutputStream output, int number, byte[] value)
    {
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
    }

    private static void Varint(CodedOutputStream output, int number, long value)
    {
        output.WriteTag(number, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    private static void Fixed64(CodedOutputStream output, int number)
    {
        output.WriteTag(number, WireFormat.WireType.Fixed64);
        output.WriteFixed64(0x0102030405060708);
    }

    private static void Fixed32(CodedOutputStream output, int number)
    {
        output.WriteTag(number, WireFormat.WireType.Fixed32);
        output.WriteFixed32(0x01020304);
    }

    // Messages nested through unknown field 15 (a group each), deeper than the parser's recursion limit when depth > 100.
    private static byte[] Nested(int depth)
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        for (var i = 0; i < depth; i++)
        {
            coded.WriteTag(15, WireFormat.WireType.StartGroup);
        }
        for (var i = 0; i < depth; i++)
        {
            coded.WriteTag(15, WireFormat.WireType.EndGroup);
        }
        coded.Flush();
        return output.ToArray();
    }
}
