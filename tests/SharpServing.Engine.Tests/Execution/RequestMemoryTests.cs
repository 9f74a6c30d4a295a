using System.Runtime.InteropServices;
using static SharpServing.Engine.Tests.Execution.TestServable;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

public sealed class RequestMemoryTests
{
    // 32 Ki floats: 128 KiB, above RequestMemory.MinPooledBytes.
    private const int Large = 32 * 1024;

    [Fact]
    public async Task A_large_stage_output_made_in_request_memory_reaches_the_reply_as_a_copy()
    {
        Tensor? made = null;
        await using var servable = Create(b => b.RegisterMethod("m", ["y"], x => b.AddStage((Tensor v) =>
        {
            var y = RequestMemory.Allocate(DataType.Float32, Large);
            y.AsWritableSpan<float>().Fill(v.AsSpan<float>()[0]);
            made = y;
            return y;
        }, x)));

        var output = ReplyAssert.Success(await servable.PredictAsync("m", Instance(("x", Floats(3, 1)))), 1)[0]["y"];
        // The stage's tensor went back to the pool when the request was answered: whoever rents it next overwrites it.
        MemoryMarshal.AsMemory(made!.Data).Span.Fill(0xFF);

        Assert.Equal([Large], output.Shape.ToArray());
        Assert.All(output.ToArray<float>(), value => Assert.Equal(3f, value));
    }

    [Fact]
    public async Task Large_model_outputs_of_one_request_stay_intact_while_later_requests_reuse_the_memory()
    {
        await using var servable = Create(b =>
        {
            var model = b.DeclareModel("add.onnx");
            b.RegisterMethod("direct", ["y"], (x1, x2) => b.AddStage(model, x1, x2));
            b.RegisterMethod("called", ["y"], x1 => b.AddStage((Tensor v) => model.Call(v, v)[0], x1));
        }, new Dictionary<string, byte[]> { ["add.onnx"] = Fixtures.Add(1, Large) });

        var replies = new List<(Tensor Output, float Expected)>();
        for (var n = 1; n <= 4; n++)
        {
            var direct = await servable.PredictAsync("direct", Instance(("x1", Floats(n, 1, Large)), ("x2", Floats(1, 1, Large))));
            replies.Add((ReplyAssert.Success(direct, 1)[0]["y"], n + 1));
            var called = await servable.PredictAsync("called", Instance(("x1", Floats(10 * n, 1, Large))));
            replies.Add((ReplyAssert.Success(called, 1)[0]["y"], 20 * n));
        }

        foreach (var (output, expected) in replies)
        {
            Assert.Equal(Large, output.ElementCount);
            Assert.All(output.ToArray<float>(), value => Assert.Equal(expected, value));
        }
    }
}
