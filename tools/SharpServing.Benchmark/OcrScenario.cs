using System.Diagnostics;
using SharpServing.Imaging;
using SharpServing.OnnxRuntime;
using Wire = SharpServing.Protocol;

namespace SharpServing.Benchmark;

/// <summary>
/// ocr.detect and ocr.recognize over gRPC, against their models run in process through the ONNX Runtime adapter (the engine's runtime interface) with
/// the same threads: det at the batch size the server formed (read by the probe), and det + cls + rec for recognize,
/// with the box count and line width the server's detection gives for the image.
/// </summary>
internal static class OcrScenario
{
    private static readonly string[] s_lines = ["SharpServing benchmark 2024", "Text detection and recognition", "over gRPC on two cores"];

    public static async Task RunAsync(BenchContext context)
    {
        var line = context.Line;
        var concurrencies = line.Ints("concurrency", [1, 4]);
        var image = line.Value("image") is { } path ? await File.ReadAllBytesAsync(path, context.CancellationToken) : await RenderAsync(context);
        var detect = Payload.Bytes("ocr", "detect", 1, "image", image);
        var recognize = Payload.Bytes("ocr", "recognize", 1, "image", image);
        string? servables = null;
        using var server = await context.ServerAsync(() => servables = context.ServablesWith("ocr"));
        await server.WaitUntilServingAsync(detect, TimeSpan.FromMinutes(3), context.CancellationToken);
        var models = Path.Combine(servables ?? Path.Combine(context.RepoRoot, "servables"), "ocr", "1");
        var detInput = DetInput(image);
        // As add and batching: no row while the server still recompiles its hot paths (the C# stages, the transport) at
        // tier 1 on the same two cores as det's threads.
        if (!line.Flag("no-jit-warmup") && server.Pid is { } pid)
        {
            await ServerTarget.WarmUntilJitQuietAsync(pid, concurrencies.Max(), [
                () => new GrpcLoadClient(server.Grpc, detect.GrpcFrame, context.Connections, concurrencies.Max()),
                () => new GrpcLoadClient(server.Grpc, recognize.GrpcFrame, context.Connections, concurrencies.Max())], context.CancellationToken);
        }

        // With --repeat N: N pairs of rows at each concurrency, the server and det alone, every other pair det alone first,
        // and the median of the pairs' ratios (single rows swing with the machine; a pair shares its minutes).
        var repeat = line.Int("repeat", 1, 1, 100);
        foreach (var c in concurrencies)
        {
            var pairs = new List<(LoadResult Server, LoadResult Alone)>();
            OrtLoadClient? det = null;
            var batch = 0;
            try
            {
                for (var pair = 0; pair < repeat; pair++)
                {
                    var aloneFirst = det is not null && pair % 2 == 1;
                    LoadResult? limit = aloneFirst ? await DetAloneAsync() : null;
                    LoadResult row;
                    using (var client = new GrpcLoadClient(server.Grpc, detect.GrpcFrame, context.Connections, c))
                    {
                        row = await LoadRunner.RunAsync("ocr", "server grpc ocr.detect", client, LoadSettings.From(line, c), 1, server.Pid, server.ProbeSocket, context.CancellationToken);
                    }
                    if (det is null)
                    {
                        batch = row.MeanBatch("det");
                        det = new OrtLoadClient([(OrtSession.FromFile(Path.Combine(models, "det.onnx"), context.SessionOptions), [Repeat(detInput, batch)])]);
                    }
                    limit ??= await DetAloneAsync();
                    row = Report.WithLimit(row with { Connections = context.Connections, Note = repeat > 1 ? $"pair {pair + 1}" : null }, limit);
                    context.Report.Add(row);
                    pairs.Add((row, limit));
                }
            }
            finally
            {
                det?.Dispose();
            }
            if (repeat > 1)
            {
                WritePairs(c, pairs);
            }
            if (c == 1 && line.Seconds("blocks", TimeSpan.Zero) is var block && block > TimeSpan.Zero)
            {
                await RunBlocksAsync(context, server, detect, Path.Combine(models, "det.onnx"), detInput, block, repeat);
            }

            Task<LoadResult> DetAloneAsync() => context.RunAsync("ocr", $"ort in-process det batch={batch}", det!, 1, batch, Environment.ProcessId, null);
        }

        // As the servable reads them: cls in 192x48 windows (three along a line longer than 4:1), rec once per line at
        // the line's own width.
        var boxes = await DetectBoxesAsync(server.Grpc, detect, context.CancellationToken);
        var windows = Math.Max(boxes.Sum(b => AspectRatio(b) > 4 ? 3 : 1), 1);
        var widths = boxes.Count == 0 ? [48] : boxes.Select(b => Math.Max(16, (int)Math.Ceiling(48 * AspectRatio(b)))).ToArray();
        var rec = OrtSession.FromFile(Path.Combine(models, "rec.onnx"), context.SessionOptions);
        using var pipeline = new OrtLoadClient(
        [
            (OrtSession.FromFile(Path.Combine(models, "det.onnx"), context.SessionOptions), [Repeat(detInput, 1)]),
            (OrtSession.FromFile(Path.Combine(models, "cls.onnx"), context.SessionOptions), [Tensor.Zeros<float>(windows, 3, 48, 192)]),
            .. widths.Select(w => (rec, new[] { Tensor.Zeros<float>(1, 3, 48, w) })),
        ]);
        var count = widths.Length;
        var width = widths.Max();
        var pipelineLimit = await context.RunAsync("ocr", $"ort in-process det+cls+rec ({count} lines, widest {width})", pipeline, 1, 1, Environment.ProcessId, null);
        using (var client = new GrpcLoadClient(server.Grpc, recognize.GrpcFrame, context.Connections, 1))
        {
            await context.RunAsync("ocr", "server grpc ocr.recognize", client, 1, 1, server.Pid, server.ProbeSocket, pipelineLimit);
        }

        // With --isolation process: ocr.recognize in process and in a worker process, row by row at each concurrency.
        using var worker = await context.WorkerServerAsync(() => context.ServablesWith("ocr"));
        if (worker is null)
        {
            return;
        }
        await worker.WaitUntilServingAsync(detect, TimeSpan.FromMinutes(3), context.CancellationToken);
        foreach (var c in concurrencies)
        {
            LoadResult inProcess;
            using (var client = new GrpcLoadClient(server.Grpc, recognize.GrpcFrame, context.Connections, c))
            {
                inProcess = await context.RunAsync("ocr", "server grpc ocr.recognize", client, c, 1, server.Pid, server.ProbeSocket);
            }
            using (var client = new GrpcLoadClient(worker.Grpc, recognize.GrpcFrame, context.Connections, c))
            {
                await context.RunAsync("ocr", "worker grpc ocr.recognize", client, c, 1, worker.Pid, worker.ProbeSocket, inProcess);
            }
        }
    }

    /// <summary>
    /// ocr.detect at concurrency 1 and det alone in alternating blocks of <paramref name="block"/> each, for --duration
    /// of each, <paramref name="rounds"/> times: the two share the machine's seconds, where a pair of rows shares only its
    /// minutes (this machine's speed drifts by a third from minute to minute). Each block keeps its side's steady state:
    /// back-to-back calls, the first of a block not timed. det's run inside the server comes from the probe.
    /// </summary>
    private static async Task RunBlocksAsync(BenchContext context, ServerTarget server, Payload detect, string detPath, Tensor detInput,
        TimeSpan block, int rounds)
    {
        var total = LoadSettings.From(context.Line, 1).Duration;
        using var alone = new OrtLoadClient([(OrtSession.FromFile(detPath, context.SessionOptions), [Repeat(detInput, 1)])]);
        using var grpc = new GrpcLoadClient(server.Grpc, detect.GrpcFrame, context.Connections, 1);
        var ratios = new List<double>();
        Console.Error.WriteLine();
        Console.Error.WriteLine($"ocr.detect c=1 and det alone in alternating blocks of {block.TotalSeconds:0.###} s, {total.TotalSeconds:0.###} s of each a round:");
        for (var round = 0; round < rounds; round++)
        {
            double serverSeconds = 0, aloneSeconds = 0;
            long serverCalls = 0, aloneCalls = 0;
            var before = await ProbeSnapshot.ReadAsync(server.ProbeSocket, context.CancellationToken);
            for (var spent = TimeSpan.Zero; spent < total; spent += block)
            {
                var (seconds, calls) = await TimedBlockAsync(grpc, block, context.CancellationToken);
                serverSeconds += seconds;
                serverCalls += calls;
                (seconds, calls) = await TimedBlockAsync(alone, block, context.CancellationToken);
                aloneSeconds += seconds;
                aloneCalls += calls;
            }
            var after = await ProbeSnapshot.ReadAsync(server.ProbeSocket, context.CancellationToken);
            var inside = before is not null && after is not null ? after.MsPerRunSince(before, after.BatchesSince(before)).GetValueOrDefault("det.onnx") : 0;
            double serverMs = serverSeconds * 1000 / Math.Max(serverCalls, 1), aloneMs = aloneSeconds * 1000 / Math.Max(aloneCalls, 1);
            ratios.Add(aloneMs / serverMs);
            Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"  round {round + 1}: {serverCalls} / {aloneCalls} calls; ocr.detect {serverMs:0.00} ms (det's run inside {inside:0.00}), det alone {aloneMs:0.00} ms = {aloneMs / serverMs:0.000}x"));
        }
        Console.Error.WriteLine($"  {MetricsCompare.MedianLine(ratios, "0.000")}");
    }

    /// <summary>Back-to-back calls for about <paramref name="length"/>; the first call is not timed (it pays the switch).</summary>
    private static async Task<(double Seconds, long Calls)> TimedBlockAsync(ILoadClient client, TimeSpan length, CancellationToken cancellationToken)
    {
        var ok = await client.SendAsync(0, cancellationToken);
        var start = Stopwatch.GetTimestamp();
        long calls = 0;
        while (ok && Stopwatch.GetElapsedTime(start) < length)
        {
            ok = await client.SendAsync(0, cancellationToken);
            calls++;
        }
        if (!ok)
        {
            throw new InvalidOperationException($"A {client.Protocol} call failed during the blocks: the figures would mean nothing.");
        }
        return (Stopwatch.GetElapsedTime(start).TotalSeconds, calls);
    }

    /// <summary>Each pair's ratio of ocr.detect to det alone (instances per second), with det's run inside the server, then the median.</summary>
    private static void WritePairs(int concurrency, List<(LoadResult Server, LoadResult Alone)> pairs)
    {
        var ratios = new List<double>();
        Console.Error.WriteLine();
        Console.Error.WriteLine($"ocr.detect c={concurrency} / det alone, by pair (inst/s; det's run inside the server and alone, ms; server CPU ms/req):");
        for (var i = 0; i < pairs.Count; i++)
        {
            var (server, alone) = pairs[i];
            var ratio = alone.InstancesPerSecond > 0 ? server.InstancesPerSecond / alone.InstancesPerSecond : 0;
            ratios.Add(ratio);
            var inside = server.ModelMsPerRun?.GetValueOrDefault("det.onnx") ?? 0;
            var aloneMs = alone.RequestsPerSecond > 0 ? 1000 / alone.RequestsPerSecond : 0;
            Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"  pair {i + 1}: {server.InstancesPerSecond:0.0} / {alone.InstancesPerSecond:0.0} inst/s = {ratio:0.00}x; det run {inside:0.0} / {aloneMs:0.0} ms; server cpu {server.ServerCpuMsPerRequest:0.0}, alone {alone.ServerCpuMsPerRequest:0.0}; load {server.LoadAverage:0.0}"));
        }
        Console.Error.WriteLine($"  {MetricsCompare.MedianLine(ratios, "0.00")}");
    }

    /// <summary>det's input for the image as the ocr servable makes it: BGR, scaled only so that the shorter side is at
    /// least 64 and the longer at most 4000, normalized, zero-padded to multiples of 32, CHW.</summary>
    internal static Tensor DetInput(byte[] image)
    {
        var bgr = ImageDecoder.Decode(image, ChannelOrder.Bgr);
        int height = (int)bgr.Shape[0], width = (int)bgr.Shape[1];
        var scale = Math.Min(Math.Max(1.0, 64 / (double)Math.Min(height, width)), 4000 / (double)Math.Max(height, width));
        int h = Math.Max((int)Math.Round(height * scale), 1), w = Math.Max((int)Math.Round(width * scale), 1);
        return (h == height && w == width ? bgr : bgr.Resize(h, w))
            .NormalizeToChw([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], scale: 1 / 255f,
                padBottom: (32 - (h % 32)) % 32, padRight: (32 - (w % 32)) % 32);
    }

    private static Tensor Repeat(Tensor chw, int batch)
    {
        var one = chw.AsSpan<float>();
        var data = new float[one.Length * batch];
        for (var i = 0; i < batch; i++)
        {
            one.CopyTo(data.AsSpan(i * one.Length));
        }
        long[] shape = [batch, .. chw.Shape];
        return Tensor.Create(data, shape);
    }

    private static async Task<List<float[]>> DetectBoxesAsync(Uri grpc, Payload detect, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(grpc, GrpcWire.PredictPath))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(detect.GrpcFrame),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (body.Length < 5 || body[0] != 0)
        {
            throw new InvalidOperationException($"ocr.detect answered {body.Length} bytes that are not one uncompressed gRPC message");
        }
        var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
        var reply = Wire.PredictReply.Parser.ParseFrom(body.AsSpan(5, length));
        if (reply.ErrorMsg.Count > 0)
        {
            throw new InvalidOperationException($"ocr.detect failed: {reply.ErrorMsg[0].ErrorMsg_.ToStringUtf8()}");
        }
        var tensor = reply.Instances[0].Items["boxes"];
        var corners = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(tensor.Data.Span);
        var boxes = new List<float[]>();
        for (var i = 0; i + 8 <= corners.Length; i += 8)
        {
            boxes.Add([.. corners.Slice(i, 8).ToArray().Select(v => (float)v)]);
        }
        return boxes;
    }

    // Width over height of a box given as corners tl, tr, br, bl (x, y pairs).
    private static float AspectRatio(float[] b)
    {
        static float Distance(float[] p, int i, int j) => MathF.Sqrt(MathF.Pow(p[i] - p[j], 2) + MathF.Pow(p[i + 1] - p[j + 1], 2));
        return Distance(b, 0, 2) / Math.Max(Distance(b, 0, 6), 1);
    }

    private static async Task<byte[]> RenderAsync(BenchContext context)
    {
        var path = Path.Combine(context.NewTempFolder(), "text.png");
        const string Script = """
            import sys
            from PIL import Image, ImageDraw, ImageFont
            path, lines = sys.argv[1], sys.argv[2:]
            font = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 32)
            image = Image.new('RGB', (640, 40 + 64 * len(lines)), 'white')
            draw = ImageDraw.Draw(image)
            for i, line in enumerate(lines):
                draw.text((20, 20 + 64 * i), line, font=font, fill='black')
            image.save(path)
            """;
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true };
        foreach (var arg in new[] { "-c", Script, path }.Concat(s_lines))
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        var errors = await process.StandardError.ReadToEndAsync(context.CancellationToken);
        await process.WaitForExitAsync(context.CancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rendering the OCR image with python3-pil failed (pass --image FILE instead): {errors}");
        }
        return await File.ReadAllBytesAsync(path, context.CancellationToken);
    }
}
