namespace SharpServing.Engine.Execution;

/// <summary>
/// What <see cref="Model.CallBatch"/> reaches from inside a C# stage: runs the instances straight through the model's
/// session (not through the batching queue, so a stage never waits on a queue it may be feeding), in runs of at most
/// the model's batch size. The request's cancellation applies even when the stage passes no token.
/// </summary>
internal sealed class ModelInvoker(Func<Model, int, ModelBatcher> batchers) : IModelInvoker
{
    public IReadOnlyList<Tensor[]> Invoke(Model model, IReadOnlyList<Tensor[]> instances, int subgraph, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(instances);
        var ambient = StageContext.CancellationToken;
        if (!ambient.CanBeCanceled || ambient == cancellationToken)
        {
            return batchers(model, subgraph).RunDirect(instances, cancellationToken);
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ambient);
        return batchers(model, subgraph).RunDirect(instances, linked.Token);
    }
}
