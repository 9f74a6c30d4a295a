using SharpServing.Examples.Tests.Fidelity;
using Xunit.Abstractions;

namespace SharpServing.Examples.Tests;

public sealed class VadServableTests(VadServableTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<VadServableTests.Fixture>
{
    private const int SampleRate = 16000;
    private const int Chunk = 512;

    [Fact]
    public async Task Speech_chunks_score_far_above_silence_chunks()
    {
        var speech = await fixture.Media.SpeechAsync("Hello, this is a test of voice activity detection.");
        var silence = QuietNoise(2 * SampleRate, seed: 1);
        // 2 s of near-silence, the speech, 2 s of near-silence: one stream, so the model's state carries across.
        var audio = silence.Concat(speech).Concat(silence).ToArray();

        var probability = await fixture.SpeechProbabilityAsync(Tensor.Create(audio, audio.Length));

        Assert.Equal(DataType.Float32, probability.DataType);
        Assert.Equal([(long)((audio.Length + Chunk - 1) / Chunk)], probability.Shape.ToArray());
        var p = probability.ToArray<float>();
        var silenceChunks = silence.Length / Chunk;
        // Leave a margin of a quarter second around the speech for the model's memory.
        var before = p[..(silenceChunks - 8)];
        var during = p[(silenceChunks + 8)..(silenceChunks + (speech.Length / Chunk) - 8)];
        var after = p[(silenceChunks + ((speech.Length + Chunk - 1) / Chunk) + 8)..];
        output.WriteLine($"mean probability: silence before {before.Average():F3}, speech {during.Average():F3}, silence after {after.Average():F3}");
        Assert.True(during.Average() > 0.6f, $"speech mean {during.Average()}");
        Assert.True(before.Max() < 0.2f && after.Average() < 0.1f, $"silence max {before.Max()}, after mean {after.Average()}");
    }

    [Fact]
    public async Task Speech_probabilities_and_segments_match_vad_webs_silero_wrapper_on_the_same_model()
    {
        if (VadReference.Unavailable() is { } why)
        {
            output.WriteLine($"The reference was not run: {why}.");
            return;
        }
        var first = await fixture.Media.SpeechAsync("The train leaves at nine.");
        var second = await fixture.Media.SpeechAsync("Please keep your ticket until the end of the journey.");
        var audio = QuietNoise(SampleRate, seed: 3).Concat(first).Concat(QuietNoise(SampleRate, seed: 4)).Concat(second)
            .Concat(QuietNoise(SampleRate, seed: 5)).ToArray();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var ours = (await fixture.SpeechProbabilityAsync(Tensor.Create(audio, audio.Length))).ToArray<float>();
        var reference = await VadReference.SpeechProbabilityAsync(audio, fixture.Media.Directory, timeout.Token);

        Assert.Equal(reference.Length, ours.Length);
        var largest = ours.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
        var (ourSegments, referenceSegments) = (Segments(ours), Segments(reference));
        output.WriteLine($"largest difference {largest:E2}; segments (chunks): ours {string.Join(", ", ourSegments)}, reference {string.Join(", ", referenceSegments)}");
        Assert.True(largest < 1e-3f, $"largest difference {largest}");
        Assert.Equal(2, ourSegments.Count);
        Assert.Equal(referenceSegments, ourSegments);
    }

    [Fact]
    public async Task Int16_audio_is_read_as_pcm_and_a_partial_chunk_is_padded()
    {
        var quiet = QuietNoise(Chunk * 3 + 100, seed: 2);
        var pcm = Array.ConvertAll(quiet, s => (short)(s * 32767));

        var p = (await fixture.SpeechProbabilityAsync(Tensor.Create(pcm, pcm.Length))).ToArray<float>();

        Assert.Equal(4, p.Length);
        Assert.All(p, v => Assert.InRange(v, 0f, 0.2f));
    }

    [Fact]
    public async Task Empty_audio_gives_no_probabilities()
    {
        var p = await fixture.SpeechProbabilityAsync(Tensor.Create(Array.Empty<float>(), 0));

        Assert.Equal(0, p.ElementCount);
    }

    // vad-web's defaults: speech starts at a chunk of at least 0.5 and ends after 8 chunks under 0.35 (redemption).
    private static List<(int Start, int End)> Segments(float[] p)
    {
        var segments = new List<(int Start, int End)>();
        int? start = null;
        var quiet = 0;
        for (var i = 0; i < p.Length; i++)
        {
            if (start is null)
            {
                if (p[i] >= 0.5f)
                {
                    (start, quiet) = (i, 0);
                }
                continue;
            }
            quiet = p[i] < 0.35f ? quiet + 1 : 0;
            if (quiet == 8)
            {
                segments.Add((start.Value, i - 8));
                start = null;
            }
        }
        if (start is not null)
        {
            segments.Add((start.Value, p.Length - 1));
        }
        return segments;
    }

    private static float[] QuietNoise(int samples, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, samples).Select(_ => (float)(random.NextDouble() - 0.5) * 0.002f)];
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public TestMedia Media { get; } = new();

        public ExampleServables Servables { get; private set; } = null!;

        public async Task<Tensor> SpeechProbabilityAsync(Tensor audio)
            => (await Servables.RunAsync("vad", "speech_probability", new Dictionary<string, Tensor> { ["audio"] = audio }))["probability"];

        public async Task InitializeAsync()
        {
            TestPaths.ServableFile("vad", "1/silero_vad.onnx");
            Servables = await ExampleServables.StartAsync(("vad", 0));
        }

        public async Task DisposeAsync()
        {
            await Servables.DisposeAsync();
            Media.Dispose();
        }
    }
}
