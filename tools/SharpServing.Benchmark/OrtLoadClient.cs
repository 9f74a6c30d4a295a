using SharpServing.Engine;

namespace SharpServing.Benchmark;

/// <summary>
/// The model's own limit: models run through the engine's runtime interface (the ONNX Runtime adapter, or any other
/// <see cref="IModelRuntime"/>), in this process, with prebuilt inputs. One "request" is one run of each session in
/// order (e.g. det, then cls, then rec).
/// </summary>
internal sealed class OrtLoadClient(IReadOnlyList<(IModelSession Session, Tensor[] Inputs)> runs) : ILoadClient
{
    public string Protocol => "in-process";

    public ValueTask<bool> SendAsync(int worker, CancellationToken cancellationToken)
    {
        foreach (var (session, inputs) in runs)
        {
            session.Run(inputs, new Tensor[session.Outputs.Count], cancellationToken);
        }
        return ValueTask.FromResult(true);
    }

    public void Dispose()
    {
        foreach (var session in runs.Select(r => r.Session).Distinct())
        {
            session.Dispose();
        }
    }
}
