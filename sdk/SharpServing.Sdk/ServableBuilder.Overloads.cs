namespace SharpServing;

// Overloads by arity let a lambda's parameter types be inferred and its parameter names become the method's inputs.
public partial class ServableBuilder
{
    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0]), timeout);

    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0], p[1]), timeout);

    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Placeholder, Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0], p[1], p[2]), timeout);

    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Placeholder, Placeholder, Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0], p[1], p[2], p[3]), timeout);

    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0], p[1], p[2], p[3], p[4]), timeout);

    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0], p[1], p[2], p[3], p[4], p[5]), timeout);

    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0], p[1], p[2], p[3], p[4], p[5], p[6]), timeout);

    /// <summary>Registers method <paramref name="name"/>; its input names are the lambda's parameter names. <paramref name="timeout"/>:
    /// the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> outputs, Func<Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Outputs> body, TimeSpan? timeout = null)
        => RegisterTraced(name, ParameterNames(body), outputs, body, p => body(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]), timeout);

    /// <summary>Adds a C# function stage over 1 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1], outputsCount, batchSize, tag);

    /// <summary>Adds a C# function stage over 2 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, Placeholder x2, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1, x2], outputsCount, batchSize, tag);

    /// <summary>Adds a C# function stage over 3 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, Placeholder x2, Placeholder x3, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1, x2, x3], outputsCount, batchSize, tag);

    /// <summary>Adds a C# function stage over 4 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1, x2, x3, x4], outputsCount, batchSize, tag);

    /// <summary>Adds a C# function stage over 5 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1, x2, x3, x4, x5], outputsCount, batchSize, tag);

    /// <summary>Adds a C# function stage over 6 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, Placeholder x6, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1, x2, x3, x4, x5, x6], outputsCount, batchSize, tag);

    /// <summary>Adds a C# function stage over 7 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, Placeholder x6, Placeholder x7, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1, x2, x3, x4, x5, x6, x7], outputsCount, batchSize, tag);

    /// <summary>Adds a C# function stage over 8 value(s). <paramref name="batchSize"/>: null per instance; 0 or N batched.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, Placeholder x6, Placeholder x7, Placeholder x8, int outputsCount = 1, int? batchSize = null, string? tag = null)
        => AddFunctionStage(function, [x1, x2, x3, x4, x5, x6, x7, x8], outputsCount, batchSize, tag);

    /// <summary>Adds a model stage over 1 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1], tag, outputsCount, subgraph);

    /// <summary>Adds a model stage over 2 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, Placeholder x2, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1, x2], tag, outputsCount, subgraph);

    /// <summary>Adds a model stage over 3 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, Placeholder x2, Placeholder x3, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1, x2, x3], tag, outputsCount, subgraph);

    /// <summary>Adds a model stage over 4 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1, x2, x3, x4], tag, outputsCount, subgraph);

    /// <summary>Adds a model stage over 5 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1, x2, x3, x4, x5], tag, outputsCount, subgraph);

    /// <summary>Adds a model stage over 6 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, Placeholder x6, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1, x2, x3, x4, x5, x6], tag, outputsCount, subgraph);

    /// <summary>Adds a model stage over 7 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, Placeholder x6, Placeholder x7, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1, x2, x3, x4, x5, x6, x7], tag, outputsCount, subgraph);

    /// <summary>Adds a model stage over 8 value(s); the output count defaults to the model's.</summary>
    public StageOutputs AddStage(Model model, Placeholder x1, Placeholder x2, Placeholder x3, Placeholder x4, Placeholder x5, Placeholder x6, Placeholder x7, Placeholder x8, string? tag = null, int? outputsCount = null, int subgraph = 0)
        => AddModelStage(model, [x1, x2, x3, x4, x5, x6, x7, x8], tag, outputsCount, subgraph);
}
