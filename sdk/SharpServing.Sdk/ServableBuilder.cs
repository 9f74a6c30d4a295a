using System.Runtime.CompilerServices;

namespace SharpServing;

/// <summary>
/// What a servable's configuration talks to: in a <c>servable_config.csx</c> script its members are globals
/// (<c>DeclareModel</c>, <c>RegisterMethod</c>, <c>AddStage</c>); a plugin receives it in
/// <see cref="IServableConfigurator.Configure"/>. Each method body is traced once, here, to record its stage graph.
/// </summary>
public partial class ServableBuilder
{
    private readonly Func<Model, int, ModelSignature>? _describeModel;
    private readonly List<Model> _models = [];
    private readonly List<MethodDefinition> _methods = [];
    private readonly HashSet<string> _modelFiles = new(StringComparer.Ordinal);
    private MethodTrace? _trace;

    /// <summary>Creates a builder for one servable version.</summary>
    /// <param name="servableName">The servable's name (its folder name).</param>
    /// <param name="version">The version number being loaded.</param>
    /// <param name="versionDirectory">The version folder holding the model files.</param>
    /// <param name="describeModel">Opens subgraph i of a declared model and returns its signature (the host's loader);
    /// null when only the graph shape matters (then model stages must give their output count).</param>
    public ServableBuilder(string servableName, long version, string versionDirectory, Func<Model, int, ModelSignature>? describeModel = null)
    {
        ServableName = servableName ?? throw new ArgumentNullException(nameof(servableName));
        Version = version;
        VersionDirectory = versionDirectory ?? throw new ArgumentNullException(nameof(versionDirectory));
        _describeModel = describeModel;
    }

    /// <summary>The servable's name.</summary>
    public string ServableName { get; }

    /// <summary>The version number being loaded.</summary>
    public long Version { get; }

    /// <summary>The version folder: model files and any data files (label lists, vocabularies) live here.</summary>
    public string VersionDirectory { get; }

    /// <summary>The declared models, in declaration order.</summary>
    public IReadOnlyList<Model> Models => _models;

    /// <summary>The registered methods, in registration order.</summary>
    public IReadOnlyList<MethodDefinition> Methods => _methods;

    /// <summary>Declares a model from one file of the version folder.</summary>
    /// <param name="modelFile">The file name, relative to the version folder.</param>
    /// <param name="withBatchDim">Whether the first dimension is the batch; false means batch size 1 and whole inputs.</param>
    /// <param name="withoutBatchDimInputs">0-based indexes of inputs that have no batch dimension.</param>
    /// <param name="options">Threads, device, batching limits.</param>
    /// <param name="format">The model format; <c>ONNX</c>.</param>
    public Model DeclareModel(string modelFile, bool withBatchDim = true, IReadOnlyList<int>? withoutBatchDimInputs = null,
        ModelOptions? options = null, string format = "ONNX")
        => DeclareModel([modelFile], withBatchDim, withoutBatchDimInputs, options, format);

    /// <summary>Declares a model made of several files: subgraphs 0..n-1.</summary>
    public Model DeclareModel(IReadOnlyList<string> modelFiles, bool withBatchDim = true, IReadOnlyList<int>? withoutBatchDimInputs = null,
        ModelOptions? options = null, string format = "ONNX")
    {
        ArgumentNullException.ThrowIfNull(modelFiles);
        if (_trace is not null)
        {
            throw new ServableConfigurationException("DeclareModel cannot be called inside a method body.");
        }
        if (modelFiles.Count == 0)
        {
            throw new ServableConfigurationException("Parameter 'model_file' should not be empty.");
        }
        if (!string.Equals(format, "ONNX", StringComparison.OrdinalIgnoreCase))
        {
            throw new ServableConfigurationException($"Unsupported model format '{format}', only 'ONNX' is supported.");
        }
        foreach (var file in modelFiles)
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                throw new ServableConfigurationException("Parameter 'model_file' should not be an empty string.");
            }
            if (Path.IsPathRooted(file) || file.Split('/', '\\').Contains(".."))
            {
                throw new ServableConfigurationException($"model file '{file}' must be a path inside the version folder.");
            }
        }
        foreach (var file in modelFiles)
        {
            if (!_modelFiles.Add(file))
            {
                throw new ServableConfigurationException($"model file '{file}' has already been used");
            }
        }
        var noBatch = withoutBatchDimInputs?.ToArray() ?? [];
        if (noBatch.Any(i => i < 0))
        {
            throw new ServableConfigurationException("Parameter 'without_batch_dim_inputs' should be >= 0.");
        }
        var model = new Model([.. modelFiles], format.ToUpperInvariant(), withBatchDim, noBatch, options ?? new ModelOptions());
        if (_describeModel is not null)
        {
            var signatures = new ModelSignature[modelFiles.Count];
            for (var i = 0; i < signatures.Length; i++)
            {
                signatures[i] = _describeModel(model, i);
            }
            model.Signatures = signatures;
        }
        _models.Add(model);
        return model;
    }

    /// <summary>Registers method <paramref name="name"/> with explicitly named inputs; the body receives their placeholders.
    /// <paramref name="timeout"/>: the time limit of one request (null: the server's default).</summary>
    public void RegisterMethod(string name, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, Func<IReadOnlyList<Placeholder>, Outputs> body,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(body);
        RegisterTraced(name, [.. inputs], outputs, body, p => body(p), timeout);
    }

    /// <summary>The longest time limit a method may be registered with.</summary>
    public static readonly TimeSpan MaxMethodTimeout = TimeSpan.FromHours(24);

    private void RegisterTraced(string name, string[] inputs, IReadOnlyList<string> outputs, Delegate body, Func<Placeholder[], Outputs> invoke,
        TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(outputs);
        if (string.IsNullOrEmpty(name))
        {
            throw new ServableConfigurationException("Parameter 'method name' should not be empty str");
        }
        if (_trace is not null)
        {
            throw new ServableConfigurationException($"Method {name} cannot be registered inside the body of method {_trace.Name}.");
        }
        if (_methods.Any(m => m.Name == name))
        {
            throw new ServableConfigurationException($"Method {name} has been registered more than once.");
        }
        CheckNames(name, "input", inputs);
        CheckNames(name, "output", outputs);
        if (timeout is { } limit && (limit <= TimeSpan.Zero || limit > MaxMethodTimeout))
        {
            throw new ServableConfigurationException(
                $"Parameter 'timeout' of method {name} should be above 0 and at most 24 hours, but actually {limit.TotalMilliseconds} ms");
        }
        var trace = new MethodTrace(name);
        var placeholders = new Placeholder[inputs.Length];
        for (var i = 0; i < placeholders.Length; i++)
        {
            placeholders[i] = new Placeholder(trace, new StageInput(0, i));
        }
        _trace = trace;
        Outputs result;
        try
        {
            result = invoke(placeholders);
        }
        finally
        {
            _trace = null;
        }
        var returned = result.Values;
        if (returned.Count != outputs.Count)
        {
            throw new ServableConfigurationException($"Method return output size {returned.Count} not match registered {outputs.Count}");
        }
        var sources = new StageInput[returned.Count];
        for (var i = 0; i < sources.Length; i++)
        {
            sources[i] = CheckPlaceholder(trace, returned[i]).Source;
        }
        _methods.Add(new MethodDefinition(name, inputs, [.. outputs], [.. trace.Stages], sources) { Timeout = timeout });
    }

    // The any-arity forms take an array, not IReadOnlyList: StageOutputs is a list too, and a one-output stage passed
    // straight into another AddStage must bind to the Placeholder overloads without ambiguity.

    /// <summary>Adds a C# function stage over any number of values.</summary>
    public StageOutputs AddStage(Delegate function, Placeholder[] args, int outputsCount = 1, int? batchSize = null, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        return AddFunctionStage(function, [.. args], outputsCount, batchSize, tag);
    }

    /// <summary>Adds a model stage over any number of values.</summary>
    public StageOutputs AddStage(Model model, Placeholder[] args, string? tag = null, int? outputsCount = null, int subgraph = 0)
    {
        ArgumentNullException.ThrowIfNull(args);
        return AddModelStage(model, [.. args], tag, outputsCount, subgraph);
    }

    private StageOutputs AddFunctionStage(Delegate function, Placeholder[] args, int outputsCount, int? batchSize, string? tag)
    {
        ArgumentNullException.ThrowIfNull(function);
        var trace = CurrentTrace();
        var inputs = CheckArgs(trace, args);
        if (outputsCount < 1)
        {
            throw new ServableConfigurationException($"Parameter 'outputs_count' should be >= 1, but actually {outputsCount}");
        }
        if (batchSize is < 0)
        {
            throw new ServableConfigurationException($"Parameter 'batch_size' should be >= 0, but actually {batchSize}");
        }
        var name = StageNames.FunctionName(function);
        var parameterCount = function.Method.GetParameters().Length;
        if (batchSize is null && parameterCount != args.Length)
        {
            throw new ServableConfigurationException($"function {name} input args count {parameterCount} not match the count {args.Length} registered in method");
        }
        if (batchSize is not null && parameterCount != 1)
        {
            throw new ServableConfigurationException(
                $"function {name} is a batch stage (batch_size {batchSize}): it must take one parameter, the list of instances, but takes {parameterCount}");
        }
        var returnType = function.Method.ReturnType;
        if (batchSize is null && outputsCount > 1 && typeof(ITuple).IsAssignableFrom(returnType)
            && returnType.IsGenericType && returnType.GetGenericArguments().Length != outputsCount)
        {
            throw new ServableConfigurationException(
                $"function {name} returns {returnType.GetGenericArguments().Length} values, but 'outputs_count' is {outputsCount}");
        }
        var index = trace.Stages.Count + 1;
        trace.Stages.Add(new FunctionStage(index, inputs, outputsCount, tag, function, batchSize));
        return Outputs(trace, index, outputsCount);
    }

    private StageOutputs AddModelStage(Model model, Placeholder[] args, string? tag, int? outputsCount, int subgraph)
    {
        ArgumentNullException.ThrowIfNull(model);
        var trace = CurrentTrace();
        var inputs = CheckArgs(trace, args);
        if (!_models.Contains(model))
        {
            throw new ServableConfigurationException($"Model({model.Key}).call() failed: the model is not declared");
        }
        if (subgraph < 0 || subgraph >= model.Files.Count)
        {
            throw new ServableConfigurationException(
                $"The model does not have subgraph of index {subgraph}, the subgraph count of the model is {model.Files.Count}");
        }
        var count = outputsCount ?? -1;
        if (model.Signatures is { } signatures)
        {
            var signature = signatures[subgraph];
            if (signature.Inputs.Count != args.Length)
            {
                throw new ServableConfigurationException(
                    $"The inputs count {args.Length} in register_method not equal to the count {signature.Inputs.Count} defined in model");
            }
            if (outputsCount is { } given && given != signature.Outputs.Count)
            {
                throw new ServableConfigurationException(
                    $"The outputs count {given} in register_method not equal to the count {signature.Outputs.Count} defined in model");
            }
            count = signature.Outputs.Count;
        }
        if (count < 1)
        {
            throw new ServableConfigurationException(
                $"The outputs count of Model({model.Key}) is unknown: give 'outputsCount' when adding the stage.");
        }
        var index = trace.Stages.Count + 1;
        trace.Stages.Add(new ModelStage(index, inputs, count, tag, model, subgraph));
        return Outputs(trace, index, count);
    }

    private MethodTrace CurrentTrace()
        => _trace ?? throw new ServableConfigurationException("AddStage can only be called inside the body of RegisterMethod.");

    private static StageInput[] CheckArgs(MethodTrace trace, Placeholder[] args)
    {
        var inputs = new StageInput[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            inputs[i] = CheckPlaceholder(trace, args[i]).Source;
        }
        return inputs;
    }

    private static Placeholder CheckPlaceholder(MethodTrace trace, Placeholder? value)
    {
        if (value is null || !ReferenceEquals(value.Method, trace))
        {
            throw new ServableConfigurationException(
                "Each value of parameter *args is a placeholder for data and must come from the method inputs or the outputs of add_stage");
        }
        return value;
    }

    private static StageOutputs Outputs(MethodTrace trace, int stage, int count)
    {
        var outputs = new Placeholder[count];
        for (var i = 0; i < count; i++)
        {
            outputs[i] = new Placeholder(trace, new StageInput(stage, i));
        }
        return new StageOutputs(outputs);
    }

    private static string[] ParameterNames(Delegate body)
        => [.. body.Method.GetParameters().Select((p, i) => string.IsNullOrEmpty(p.Name) ? $"input{i}" : p.Name)];

    private static void CheckNames(string method, string kind, IReadOnlyList<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names)
        {
            if (string.IsNullOrEmpty(n))
            {
                throw new ServableConfigurationException($"Method {method}: an {kind} name is empty.");
            }
            if (!seen.Add(n))
            {
                throw new ServableConfigurationException($"Method {method}: {kind} name '{n}' is given more than once.");
            }
        }
    }

    private sealed class MethodTrace(string name)
    {
        public string Name { get; } = name;

        public List<StageDefinition> Stages { get; } = [];
    }
}
