using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using SharpServing.Engine;
using SharpServing.Server.Rest.Internal;
using Xunit.Abstractions;

namespace SharpServing.Server.Tests.Rest;

/// <summary>
/// Reports how long parsing and writing a 1 M-element float32 array takes (printed, not asserted: performance is measured,
/// not tested). The test checks only that both produce the right data.
/// </summary>
public sealed class RestTimingTests(ITestOutputHelper output)
{
    private const int Count = 1_000_000;
    private const int RoundCount = 7;

    [Fact]
    public async Task ParseAndWrite_OneMillionFloat32()
    {
        var random = new Random(1);
        var values = new float[Count];
        var text = new StringBuilder("{\"instances\":{\"x\":[");
        for (var i = 0; i < Count; i++)
        {
            values[i] = (float)((random.NextDouble() * 200) - 100);
            text.Append(i == 0 ? "" : ",").Append(((double)values[i]).ToString("R", CultureInfo.InvariantCulture));
        }
        text.Append("]}}");
        var body = Encoding.UTF8.GetBytes(text.ToString());

        var parse = new List<double>();
        Tensor? parsed = null;
        for (var round = 0; round < RoundCount; round++)
        {
            var watch = Stopwatch.StartNew();
            var result = RestRequestParser.Parse(body);
            parse.Add(watch.Elapsed.TotalMilliseconds);
            parsed = result.Instances![0]["x"].Tensor;
        }
        Assert.Equal(values, parsed!.ToArray<float>());

        var reply = InferReply.Create([InstanceResult.Success([KeyValuePair.Create("y", Tensor.Create(values, Count))])]);
        var write = new List<double>();
        long length = 0;
        for (var round = 0; round < RoundCount; round++)
        {
            using var stream = new MemoryStream(32 * Count);
            var pipe = PipeWriter.Create(stream);
            var watch = Stopwatch.StartNew();
            await RestReplyWriter.WriteAsync(pipe, reply, CancellationToken.None).WaitAsync(RestServerFixture.Timeout);
            await pipe.FlushAsync();
            write.Add(watch.Elapsed.TotalMilliseconds);
            length = stream.Length;
        }
        Assert.True(length > Count * 2);

        output.WriteLine($"1M float32: request body {body.Length / 1048576.0:F1} MiB, reply {length / 1048576.0:F1} MiB");
        output.WriteLine($"parse ms: min {parse.Min():F1}, median {Median(parse):F1} (rounds: {Rounds(parse)})");
        output.WriteLine($"write ms: min {write.Min():F1}, median {Median(write):F1} (rounds: {Rounds(write)})");
    }

    private static double Median(List<double> samples) => samples.Order().ElementAt(samples.Count / 2);

    private static string Rounds(List<double> samples) => string.Join(", ", samples.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)));
}
