using System.Diagnostics;
using SharpServing.Imaging;

namespace SharpServing.Benchmark;

/// <summary>
/// <c>decode</c>: <see cref="ImageDecoder.Decode"/> of one file, in process, as a servable's stage calls it: inside a
/// request's memory scope (the pixels pooled, handed back after each decode), in the channel order asked for. Reports
/// the median and best round's milliseconds per decode and the bytes allocated per decode outside the pool.
/// </summary>
internal static class DecodeBench
{
    private sealed class Request(RequestMemory memory) : IRequestMemorySource
    {
        public RequestMemory Memory { get; } = memory;
    }

    public static int Run(CommandLine line)
    {
        var path = line.Value("image") ?? throw new UsageException("decode needs --image FILE (PNG or JPEG)");
        var order = line.Value("order", "rgb") switch
        {
            "rgb" => ChannelOrder.Rgb,
            "bgr" => ChannelOrder.Bgr,
            var other => throw new UsageException($"--order takes rgb or bgr, not '{other}'"),
        };
        var iterations = line.Int("iterations", 200, 1, 1_000_000);
        var rounds = line.Int("rounds", 9, 1, 100);
        line.ThrowIfUnused();
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--image {path}: {e.Message}");
        }
        Tensor first;
        try
        {
            first = ImageDecoder.Decode(bytes, order);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--image {path}: {e.Message}");
        }
        for (var i = 0; i < Math.Min(iterations, 50); i++)
        {
            DecodeOnce(bytes, order);
        }
        var perDecode = new List<double>(rounds);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                DecodeOnce(bytes, order);
            }
            perDecode.Add(watch.Elapsed.TotalMilliseconds / iterations);
        }
        var bytesPerDecode = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)(iterations * rounds);
        perDecode.Sort();
        var (height, width) = (first.Shape[0], first.Shape[1]);
        Console.WriteLine($"decode {Path.GetFileName(path)}: {ImageDecoder.DetectFormat(bytes)} {width}x{height}, {bytes.Length:N0} bytes, {order}");
        Console.WriteLine($"  {perDecode[perDecode.Count / 2]:F3} ms per decode (median of {rounds} rounds of {iterations}; best {perDecode[0]:F3}), "
            + $"{width * height * 3 / 1e3 / perDecode[perDecode.Count / 2]:F0} MB/s of pixels out, {bytesPerDecode:F0} B allocated per decode");
        return 0;
    }

    private static void DecodeOnce(byte[] bytes, ChannelOrder order)
    {
        var memory = new RequestMemory();
        using (RequestMemory.Enter(new Request(memory)))
        {
            ImageDecoder.Decode(bytes, order);
        }
        memory.Release();
    }
}
