using System.ComponentModel;

namespace SharpServing;

/// <summary>
/// The host's side of <see cref="Model.Call(Tensor[])"/>: runs instances through a loaded model. Set by the host when a
/// servable version is loaded; configuration code never implements it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IModelInvoker
{
    /// <summary>Runs a batch of instances (each: one tensor per model input) through subgraph
    /// <paramref name="subgraph"/>; returns one output array per instance.</summary>
    IReadOnlyList<Tensor[]> Invoke(Model model, IReadOnlyList<Tensor[]> instances, int subgraph, CancellationToken cancellationToken);
}
