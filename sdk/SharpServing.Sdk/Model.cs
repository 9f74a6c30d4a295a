namespace SharpServing;

/// <summary>
/// A model declared by a servable's configuration (<see cref="ServableBuilder.DeclareModel(string, bool, IReadOnlyList{int}?, ModelOptions?, string)"/>):
/// one or more model files of the version folder (several files are subgraphs 0..n-1 of one model). Used as a stage in
/// methods, or called from inside a C# stage with <see cref="Call(Tensor[])"/>.
/// </summary>
public sealed class Model
{
    private IModelInvoker? _invoker;

    internal Model(IReadOnlyList<string> files, string format, bool withBatchDim, IReadOnlyList<int> withoutBatchDimInputs, ModelOptions options)
    {
        Files = files;
        Format = format;
        WithBatchDim = withBatchDim;
        WithoutBatchDimInputs = withoutBatchDimInputs;
        Options = options;
        Key = string.Join(';', files);
    }

    /// <summary>The model files, relative to the version folder; subgraph i is file i.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The model key used in error texts: the files joined with <c>;</c>.</summary>
    public string Key { get; }

    /// <summary>The model format (<c>ONNX</c>).</summary>
    public string Format { get; }

    /// <summary>Whether the first dimension of inputs and outputs is the batch. False: batch size 1, every input is whole.</summary>
    public bool WithBatchDim { get; }

    /// <summary>0-based indexes of inputs that have no batch dimension (the first instance's value serves the whole batch).</summary>
    public IReadOnlyList<int> WithoutBatchDimInputs { get; }

    /// <summary>Threads, device and batching limits.</summary>
    public ModelOptions Options { get; }

    /// <summary>The signature of each subgraph, known once the host has opened the model files; null before.</summary>
    public IReadOnlyList<ModelSignature>? Signatures { get; internal set; }

    /// <summary>Runs one instance through subgraph 0 and returns its outputs.</summary>
    public Tensor[] Call(params Tensor[] inputs) => CallSubgraph(0, inputs);

    /// <summary>Runs one instance through subgraph <paramref name="subgraph"/> and returns its outputs.</summary>
    public Tensor[] CallSubgraph(int subgraph, params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0)
        {
            throw new InvalidOperationException($"Model({Key}).call() failed: no inputs provided");
        }
        return CallBatch([inputs], subgraph)[0];
    }

    /// <summary>Runs a batch of instances (each: one tensor per model input); returns one output array per instance.</summary>
    public IReadOnlyList<Tensor[]> CallBatch(IReadOnlyList<Tensor[]> instances, int subgraph = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.Count == 0)
        {
            throw new InvalidOperationException($"Model({Key}).call() failed: Input instances count is 0");
        }
        if (subgraph < 0 || subgraph >= Files.Count)
        {
            throw new InvalidOperationException(
                $"The model does not have subgraph of index {subgraph}, the subgraph count of the model is {Files.Count}");
        }
        var invoker = Volatile.Read(ref _invoker)
            ?? throw new InvalidOperationException($"Model({Key}).call() failed: the model is not loaded yet (call it from a stage, not while configuring)");
        return invoker.Invoke(this, instances, subgraph, cancellationToken);
    }

    /// <summary>Connects the model to the host that runs it. Called once by the host when the servable version loads.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public void Bind(IModelInvoker invoker)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        if (Interlocked.CompareExchange(ref _invoker, invoker, null) is not null)
        {
            throw new InvalidOperationException($"Model({Key}) is already bound to a host.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Model({Key})";
}
