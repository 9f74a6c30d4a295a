// The vad servable: speech probability of 16 kHz audio with Silero VAD v5, a stateful model run chunk by chunk.
using System;
using SharpServing;

// The model's recurrent state has its batch dimension second (f32[2, B, 128]) and the sample rate is a scalar, so the
// model runs whole: one stream, batch of one, every input exactly as given.
var vad = DeclareModel("silero_vad.onnx", withBatchDim: false);

RegisterMethod("speech_probability", outputs: ["probability"], audio => AddStage(SpeechProbability, audio));

// audio: PCM at 16 kHz, any length, float32 in [-1, 1] (or int16). Returns one probability per 512-sample chunk
// (32 ms); the last chunk is padded with silence.
float[] SpeechProbability(Tensor audio)
{
    const int SampleRate = 16000;
    const int ChunkSamples = 512;
    // Silero v5 reads each chunk with the 64 samples before it (zeros before the first).
    const int ContextSamples = 64;

    var samples = audio.DataType switch
    {
        DataType.Float32 => audio.ToArray<float>(),
        DataType.Int16 => Array.ConvertAll(audio.ToArray<short>(), s => s / 32768f),
        _ => throw new ArgumentException($"audio must be float32 (or int16) PCM at 16 kHz, got {audio.DataType}"),
    };
    var chunks = (samples.Length + ChunkSamples - 1) / ChunkSamples;
    var probabilities = new float[chunks];
    var state = Tensor.Zeros<float>(2, 1, 128);
    var sampleRate = Tensor.Scalar((long)SampleRate);
    var previous = new float[ContextSamples + ChunkSamples];
    for (var i = 0; i < chunks; i++)
    {
        // Each window: the last 64 samples of the previous window, then this chunk (zero-padded at the end).
        var window = new float[ContextSamples + ChunkSamples];
        previous.AsSpan(ChunkSamples).CopyTo(window);
        var start = i * ChunkSamples;
        samples.AsSpan(start, Math.Min(ChunkSamples, samples.Length - start)).CopyTo(window.AsSpan(ContextSamples));
        var outputs = vad.Call(Tensor.Create(window, 1, window.Length), state, sampleRate);
        probabilities[i] = outputs[0].AsSpan<float>()[0];
        state = outputs[1];
        previous = window;
    }
    return probabilities;
}
