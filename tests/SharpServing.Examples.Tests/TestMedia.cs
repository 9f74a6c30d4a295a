using System.Diagnostics;
using System.Text.Json;

namespace SharpServing.Examples.Tests;

/// <summary>
/// Test inputs made at test time from Debian packages: text rendered with DejaVu Sans (python3-pil, fonts-dejavu-core),
/// speech from espeak-ng converted by sox, photos from python-matplotlib-data. Everything is written into one temp
/// folder that is deleted on dispose.
/// </summary>
public sealed class TestMedia : IDisposable
{
    public const string GraceHopper = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";
    public const string MatplotlibLogo = "/usr/share/matplotlib/mpl-data/sample_data/logo2.png";

    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromSeconds(60);

    public TestMedia() => Directory = System.IO.Directory.CreateTempSubdirectory("ss-examples-").FullName;

    public string Directory { get; }

    /// <summary>Renders <paramref name="lines"/> in black DejaVu Sans on white; returns the encoded image and each line's
    /// ink box (left, top, right, bottom) in pixels (before an upside-down turn or a tilt of <paramref name="tiltDegrees"/>
    /// counter-clockwise).</summary>
    public async Task<(byte[] Image, int[][] LineBoxes)> RenderTextAsync(string[] lines, string format, int width = 640, int fontSize = 32,
        bool upsideDown = false, double tiltDegrees = 0, double lineSpacing = 2)
    {
        var path = Path.Combine(Directory, $"text-{Guid.NewGuid():N}.{format}");
        const string Script = """
            import json, sys
            from PIL import Image, ImageDraw, ImageFont
            path, width, size, turn, tilt, spacing, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1', float(sys.argv[5]), float(sys.argv[6]), sys.argv[7:]
            font = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', size)
            image = Image.new('RGB', (width, round(40 + spacing * size * len(lines))), 'white')
            draw = ImageDraw.Draw(image)
            boxes = []
            for i, line in enumerate(lines):
                origin = (20, round(20 + spacing * size * i))
                draw.text(origin, line, font=font, fill='black')
                boxes.append(list(draw.textbbox(origin, line, font=font)))
            if turn:
                image = image.rotate(180)
            if tilt:
                image = image.rotate(tilt, resample=Image.BICUBIC, expand=True, fillcolor='white')
            image.save(path, quality=92) if path.endswith('.jpg') else image.save(path)
            print(json.dumps(boxes))
            """;
        var output = await RunAsync("/usr/bin/python3", ["-c", Script, path, width.ToString(), fontSize.ToString(), upsideDown ? "1" : "0",
            tiltDegrees.ToString(System.Globalization.CultureInfo.InvariantCulture), lineSpacing.ToString(System.Globalization.CultureInfo.InvariantCulture), .. lines]);
        var boxes = JsonSerializer.Deserialize<int[][]>(output) ?? throw new InvalidDataException(output);
        return (await File.ReadAllBytesAsync(path), boxes);
    }

    /// <summary>An image of one flat colour, encoded as PNG.</summary>
    public async Task<byte[]> FlatImageAsync(int width, int height, string color)
    {
        var path = Path.Combine(Directory, $"flat-{Guid.NewGuid():N}.png");
        await RunAsync("/usr/bin/python3", ["-c", "import sys; from PIL import Image; Image.new('RGB', (int(sys.argv[2]), int(sys.argv[3])), sys.argv[4]).save(sys.argv[1])",
            path, width.ToString(), height.ToString(), color]);
        return await File.ReadAllBytesAsync(path);
    }

    /// <summary>Speaks <paramref name="text"/> with espeak-ng; returns float32 PCM samples, mono, 16 kHz.</summary>
    public async Task<float[]> SpeechAsync(string text)
    {
        var wav = Path.Combine(Directory, $"speech-{Guid.NewGuid():N}.wav");
        var raw = Path.ChangeExtension(wav, ".f32");
        await RunAsync("espeak-ng", ["-w", wav, text]);
        await RunAsync("sox", [wav, "-r", "16000", "-c", "1", "-e", "floating-point", "-b", "32", "-t", "raw", raw]);
        var bytes = await File.ReadAllBytesAsync(raw);
        var samples = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * sizeof(float));
        return samples;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        using var timeout = new CancellationTokenSource(s_toolTimeout);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"{program} failed ({process.ExitCode}): {await error}");
            return await output;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
