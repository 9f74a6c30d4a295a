using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using SharpServing.Engine;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Tests.Rest;

public sealed class RestReplyWriterTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    internal static async Task<string> RenderAsync(InferReply reply)
    {
        using var stream = new MemoryStream();
        var pipe = PipeWriter.Create(stream);
        await RestReplyWriter.WriteAsync(pipe, reply, CancellationToken.None).WaitAsync(s_timeout);
        await pipe.CompleteAsync();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static InferReply One(params (string Name, Tensor Tensor)[] outputs)
        => InferReply.Create([InstanceResult.Success([.. outputs.Select(o => KeyValuePair.Create(o.Name, o.Tensor))])]);

    private static Task<string> RenderValueAsync(Tensor tensor) => RenderAsync(One(("y", tensor)));

    private static string Wrap(string value) => $"{{\"instances\":[{{\"y\":{value}}}]}}";

    [Fact]
    public async Task SpecExample_Section66()
    {
        var y = Tensor.Create(new float[] { 2, 2, 2, 2 }, 2, 2);

        Assert.Equal("{\"instances\":[{\"y\":[[2.0,2.0],[2.0,2.0]]}]}", await RenderValueAsync(y));
    }

    [Fact]
    public async Task RequestWideError_IsErrorMsgOnly()
    {
        Assert.Equal("{\"error_msg\":\"Request servable(add) method(bad) , method is not available\"}",
            await RenderAsync(InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, "Request servable(add) method(bad) , method is not available"))));
        Assert.Equal("{\"error_msg\":\"Predict failed\"}", await RenderAsync(InferReply.Failure(new ServingError(ErrorCode.SystemError, ""))));
    }

    [Fact]
    public async Task PartialFailure_HoldsErrorMsgAtFailedPositions_AndCollapseApplies()
    {
        var bad = new ServingError(ErrorCode.InvalidInputs, "Given model input 1 size 12 not match the size 8 defined in model");
        var partial = InferReply.Create([
            InstanceResult.Success([KeyValuePair.Create("y", Tensor.Scalar(1))]),
            InstanceResult.Failure(bad),
            InstanceResult.Success([KeyValuePair.Create("y", Tensor.Scalar(2))]),
        ]);
        Assert.Equal($"{{\"instances\":[{{\"y\":1}},{{\"error_msg\":\"{bad.Message}\"}},{{\"y\":2}}]}}", await RenderAsync(partial));

        var collapsed = InferReply.Create([InstanceResult.Failure(bad), InstanceResult.Failure(bad)]);
        Assert.Equal($"{{\"error_msg\":\"{bad.Message}\"}}", await RenderAsync(collapsed));
    }

    [Fact]
    public async Task SeveralOutputs_InOrder()
    {
        var reply = One(("b", Tensor.Scalar(1L)), ("a", Tensor.FromString("x")), ("c", Tensor.Scalar(true)));

        Assert.Equal("{\"instances\":[{\"b\":1,\"a\":\"x\",\"c\":true}]}", await RenderAsync(reply));
    }

    [Fact]
    public async Task Scalars_AreBare()
    {
        Assert.Equal(Wrap("5"), await RenderValueAsync(Tensor.Scalar(5)));
        Assert.Equal(Wrap("-1"), await RenderValueAsync(Tensor.Scalar((sbyte)-1)));
        Assert.Equal(Wrap("255"), await RenderValueAsync(Tensor.Scalar((byte)255)));
        Assert.Equal(Wrap("-32768"), await RenderValueAsync(Tensor.Scalar(short.MinValue)));
        Assert.Equal(Wrap("65535"), await RenderValueAsync(Tensor.Scalar(ushort.MaxValue)));
        Assert.Equal(Wrap("4294967295"), await RenderValueAsync(Tensor.Scalar(uint.MaxValue)));
        Assert.Equal(Wrap("-9223372036854775808"), await RenderValueAsync(Tensor.Scalar(long.MinValue)));
        Assert.Equal(Wrap("18446744073709551615"), await RenderValueAsync(Tensor.Scalar(ulong.MaxValue)));
        Assert.Equal(Wrap("true"), await RenderValueAsync(Tensor.Scalar(true)));
        Assert.Equal(Wrap("false"), await RenderValueAsync(Tensor.Scalar(false)));
        Assert.Equal(Wrap("\"ABC123\""), await RenderValueAsync(Tensor.FromString("ABC123")));
        Assert.Equal(Wrap("{\"b64\":\"AEFC/w==\"}"), await RenderValueAsync(Tensor.FromBytes(new byte[] { 0, 0x41, 0x42, 0xFF })));
    }

    [Theory]
    [InlineData(3.2f, "3.200000047683716")]
    [InlineData(2f, "2.0")]
    [InlineData(-0f, "-0.0")]
    [InlineData(0.1f, "0.10000000149011612")]
    [InlineData(16777216f, "16777216.0")]
    [InlineData(1e20f, "1.0000000200408773e+20")]
    [InlineData(float.Epsilon, "1.401298464324817e-45")]
    [InlineData(float.NaN, "null")]
    [InlineData(float.PositiveInfinity, "null")]
    [InlineData(float.NegativeInfinity, "null")]
    public async Task Float32_IsItsExactDoubleValue(float value, string expected)
    {
        Assert.Equal(Wrap(expected), await RenderValueAsync(Tensor.Scalar(value)));
    }

    [Theory]
    [InlineData(2.0, "2.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e20, "1e+20")]
    [InlineData(1e16, "10000000000000000.0")]
    [InlineData(1e17, "1e+17")]
    [InlineData(123456789012345.0, "123456789012345.0")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(-1.5e300, "-1.5e+300")]
    [InlineData(double.NaN, "null")]
    public async Task Float64_IsShortestRoundTrip(double value, string expected)
    {
        var json = await RenderValueAsync(Tensor.Scalar(value));

        Assert.Equal(Wrap(expected), json);
        if (double.IsFinite(value))
        {
            using var document = JsonDocument.Parse(json);
            Assert.Equal(value, document.RootElement.GetProperty("instances")[0].GetProperty("y").GetDouble());
        }
    }

    [Fact]
    public async Task Float16_GoesThroughDouble()
    {
        var halves = Tensor.Create(new[] { (Half)1.5, (Half)2.0, (Half)0.1, Half.PositiveInfinity }, 4);

        Assert.Equal(Wrap("[1.5,2.0,0.0999755859375,null]"), await RenderValueAsync(halves));
    }

    [Fact]
    public async Task Arrays_FollowDims_ZeroDimsGiveEmptyArrays()
    {
        Assert.Equal(Wrap("[[1,2,3],[4,5,6]]"), await RenderValueAsync(Tensor.Create(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3)));
        Assert.Equal(Wrap("[[[1],[2]],[[3],[4]]]"), await RenderValueAsync(Tensor.Create(new long[] { 1, 2, 3, 4 }, 2, 2, 1)));
        Assert.Equal(Wrap("[true]"), await RenderValueAsync(Tensor.Create(new[] { true }, 1)));
        Assert.Equal(Wrap("[]"), await RenderValueAsync(Tensor.Create(Array.Empty<float>(), 0)));
        Assert.Equal(Wrap("[[],[]]"), await RenderValueAsync(Tensor.Create(Array.Empty<float>(), 2, 0)));
        Assert.Equal(Wrap("[]"), await RenderValueAsync(Tensor.Create(Array.Empty<float>(), 0, 3)));
        Assert.Equal(Wrap("[[[],[]]]"), await RenderValueAsync(Tensor.Create(Array.Empty<int>(), 1, 2, 0)));
    }

    [Fact]
    public async Task StringAndBytesArrays_AreOneDimensional()
    {
        Assert.Equal(Wrap("[\"a\",\"b\"]"), await RenderValueAsync(Tensor.FromStrings(["a", "b"])));
        Assert.Equal(Wrap("[{\"b64\":\"QUJD\"}]"), await RenderValueAsync(Tensor.FromItems(DataType.Bytes, [1], ["ABC"u8.ToArray()])));
        Assert.Equal(Wrap("[]"), await RenderValueAsync(Tensor.FromItems(DataType.String, [0], [])));
    }

    [Fact]
    public async Task Strings_AreEscapedOnlyAsJsonRequires()
    {
        var text = "é \"q\" \\ <a href='x'> &+\n\u0001 中";

        var json = await RenderValueAsync(Tensor.FromString(text));

        Assert.Equal(Wrap("\"é \\\"q\\\" \\\\ <a href='x'> &+\\n\\u0001 中\""), json);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(text, document.RootElement.GetProperty("instances")[0].GetProperty("y").GetString());
    }

    [Fact]
    public async Task ErrorTexts_KeepQuotesAndBrackets()
    {
        const string text = "Parser request failed, json object, key is not ['b64', 'type', 'shape'], fail key:<x>";

        Assert.Equal($"{{\"error_msg\":\"{text}\"}}", await RenderAsync(InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, text))));
    }

    [Fact]
    public async Task UnrenderableReply_IsAConstructionError()
    {
        var matrix = Tensor.FromItems(DataType.String, [1, 1], ["a"u8.ToArray()]);
        Assert.Equal(
            "{\"error_msg\":\"Failed to construct the response: string or bytes output 'y' must have 0 or 1 dims, but its shape is [1, 1]\"}",
            await RenderAsync(One(("ok", Tensor.Scalar(1)), ("y", matrix))));

        var invalidUtf8 = Tensor.FromItems(DataType.String, [], [new byte[] { 0xC3, 0x28 }]);
        Assert.Equal("{\"error_msg\":\"Failed to construct the response: string output 'y' is not valid UTF-8\"}",
            await RenderValueAsync(invalidUtf8));
    }

    [Theory]
    [InlineData(new long[] { 100000 })]
    [InlineData(new long[] { 7, 5003 })]
    [InlineData(new long[] { 3, 3, 4001 })]
    [InlineData(new long[] { 20000, 2 })]
    [InlineData(new long[] { 2, 16384 })]
    public async Task LargeTensors_StreamInChunks_WithTheSameNesting(long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var values = Enumerable.Range(0, count).Select(i => i * 0.5f).ToArray();

        var json = await RenderValueAsync(Tensor.Create(values, shape));

        using var document = JsonDocument.Parse(json);
        var flat = new List<float>();
        var dims = new List<long>();
        Flatten(document.RootElement.GetProperty("instances")[0].GetProperty("y"), 0, flat, dims);
        Assert.Equal(shape, dims);
        Assert.Equal(values, flat);
    }

    private static void Flatten(JsonElement element, int depth, List<float> values, List<long> dims)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            values.Add(element.GetSingle());
            return;
        }
        if (dims.Count == depth)
        {
            dims.Add(element.GetArrayLength());
        }
        Assert.Equal(dims[depth], element.GetArrayLength());
        foreach (var child in element.EnumerateArray())
        {
            Flatten(child, depth + 1, values, dims);
        }
    }
}
