using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Isolation;

/// <summary>Starts servable versions in worker processes (the host supplies it; the engine stays process-agnostic).</summary>
public interface IServableIsolation
{
    /// <summary>
    /// Starts a worker that loads the version <paramref name="config"/> names (0: its newest), waits until it serves and
    /// describes its methods.
    /// </summary>
    /// <exception cref="Loading.ServableLoadException">The worker could not load the version; the message is the worker's load error.</exception>
    Task<IsolatedVersion> StartAsync(ServableStartConfig config, CancellationToken cancellationToken);
}
