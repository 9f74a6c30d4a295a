namespace SharpServing;

/// <summary>One stage of a method graph, as traced: its 1-based index, where its inputs come from, how many outputs it
/// has, and the optional tag used in failure texts instead of the default stage name.</summary>
public abstract record StageDefinition(int Index, IReadOnlyList<StageInput> Inputs, int OutputsCount, string? Tag);

/// <summary>
/// A C# function stage. <paramref name="BatchSize"/> null: the function takes one instance's values as parameters and
/// returns its outputs (one value, or a tuple for several). 0 or N: a batch function that takes
/// <c>IReadOnlyList&lt;T&gt;</c> (T: the single input's type, or a tuple of the inputs' types) and returns one result per
/// instance (<c>IEnumerable&lt;R&gt;</c>, R a value or a tuple); 0 lets the host pick the batch size, N caps it.
/// Parameter and result types: <see cref="Tensor"/>, C# arrays of the element types, scalars, <c>string</c>,
/// <c>byte[]</c>; the host converts.
/// </summary>
public sealed record FunctionStage(int Index, IReadOnlyList<StageInput> Inputs, int OutputsCount, string? Tag, Delegate Function, int? BatchSize)
    : StageDefinition(Index, Inputs, OutputsCount, Tag)
{
    /// <summary>The function's name as used in failure texts: <c>Function '&lt;servable&gt;.&lt;name&gt;'</c>.</summary>
    public string FunctionName => StageNames.FunctionName(Function);
}

/// <summary>A model stage: the instances' values run through subgraph <paramref name="Subgraph"/> of <paramref name="Model"/>.
/// <paramref name="OutputsCount"/> is -1 when the configuration left it to the model.</summary>
public sealed record ModelStage(int Index, IReadOnlyList<StageInput> Inputs, int OutputsCount, string? Tag, Model Model, int Subgraph)
    : StageDefinition(Index, Inputs, OutputsCount, Tag);
