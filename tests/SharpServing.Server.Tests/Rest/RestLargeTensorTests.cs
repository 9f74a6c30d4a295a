using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SharpServing.Server.Tests.Rest;

/// <summary>A 10 MiB float32 tensor through the server and back, as a nested JSON array and as base64.</summary>
public sealed class RestLargeTensorTests(RestServerFixture server) : IClassFixture<RestServerFixture>
{
    private const int Rows = 2560;
    private const int Columns = 1024; // 2560 × 1024 × 4 bytes = 10 MiB

    private static float[] Values() => [.. Enumerable.Range(0, Rows * Columns).Select(i => ((i % 2003) - 1000) * 0.375f)];

    [Fact]
    public async Task NestedArray_RoundTrips()
    {
        var values = Values();
        var body = new StringBuilder("{\"instances\":{\"x\":[");
        for (var r = 0; r < Rows; r++)
        {
            body.Append(r == 0 ? "[" : ",[");
            for (var c = 0; c < Columns; c++)
            {
                body.Append(c == 0 ? "" : ",").Append(values[(r * Columns) + c].ToString("0.0##", CultureInfo.InvariantCulture));
            }
            body.Append(']');
        }
        body.Append("]}}");

        var reply = await server.SendAsync("/model/echo:m", body.ToString());

        var received = server.Predictor.LastRequest!.Instances[0]["x"].Tensor!;
        Assert.Equal([(long)Rows, Columns], received.Dims);
        Assert.Equal(values, received.ToArray<float>());
        AssertMatrix(reply.Body, values);
    }

    [Fact]
    public async Task Base64_RoundTrips()
    {
        var values = Values();
        var b64 = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

        var reply = await server.SendAsync("/model/echo:m", $"{{\"instances\":[{{\"x\":{{\"b64\":\"{b64}\",\"type\":\"fp32\",\"shape\":[{Rows},{Columns}]}}}}]}}");

        Assert.Equal(values, server.Predictor.LastRequest!.Instances[0]["x"].Tensor!.ToArray<float>());
        AssertMatrix(reply.Body, values);
    }

    private static void AssertMatrix(string reply, float[] values)
    {
        using var document = JsonDocument.Parse(reply);
        var x = document.RootElement.GetProperty("instances")[0].GetProperty("x");
        Assert.Equal(Rows, x.GetArrayLength());
        var i = 0;
        foreach (var row in x.EnumerateArray())
        {
            Assert.Equal(Columns, row.GetArrayLength());
            foreach (var value in row.EnumerateArray())
            {
                Assert.Equal(values[i++], (float)value.GetDouble());
            }
        }
    }
}
