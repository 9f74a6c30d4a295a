using System.Buffers;
using SharpServing.OnnxRuntime.Interop;

namespace SharpServing.OnnxRuntime;

/// <summary>
/// One loaded ONNX model. Runs take SharpServing tensors in and hand new ones out.
/// </summary>
/// <remarks>
/// Ownership: a session lives as long as the servable version that opened it; disposing it while runs are in flight
/// releases the native session when the last of them returns. The native values of a run (inputs and outputs) live
/// for that one run: numeric inputs are read in place from the tensors' pinned memory, outputs are copied out.
/// <see cref="Run(IReadOnlyList{Tensor}, CancellationToken)"/> is thread-safe.
/// </remarks>
public sealed class OrtSession : IDisposable
{
    private readonly SessionHandle _handle;
    private readonly NameBlock _inputNames;
    private readonly NameBlock _outputNames;
    private readonly Dictionary<string, OrtNodeInfo> _inputsByName;
    private readonly Dictionary<string, OrtNodeInfo> _outputsByName;

    private unsafe OrtSession(SessionHandle handle, OrtSessionOptions options)
    {
        _handle = handle;
        Options = options;
        try
        {
            var api = OrtApi.Instance;
            Inputs = NodeInfoReader.ReadInputs(api, handle.Pointer);
            Outputs = NodeInfoReader.ReadOutputs(api, handle.Pointer);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        _inputNames = new NameBlock([.. Inputs.Select(i => i.Name)]);
        _outputNames = new NameBlock([.. Outputs.Select(o => o.Name)]);
        _inputsByName = Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        _outputsByName = Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
    }

    /// <summary>The model's inputs, in the model's order.</summary>
    public IReadOnlyList<OrtNodeInfo> Inputs { get; }

    /// <summary>The model's outputs, in the model's order.</summary>
    public IReadOnlyList<OrtNodeInfo> Outputs { get; }

    /// <summary>The settings the session was opened with (a copy).</summary>
    public OrtSessionOptions Options { get; }

    /// <summary>Opens the model file at <paramref name="path"/>.</summary>
    /// <exception cref="OrtException">ORT cannot load the model (missing file, bad protobuf, invalid graph, ...) or the provider.</exception>
    public static OrtSession FromFile(string path, OrtSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var settings = options?.Clone() ?? new OrtSessionOptions();
        return new OrtSession(SessionFactory.FromFile(OrtEnvironment.Shared, path, settings), settings);
    }

    /// <summary>Opens a model held in memory (ORT copies what it needs; the span may be reused afterwards).</summary>
    /// <exception cref="OrtException">ORT cannot load the model or the provider.</exception>
    public static OrtSession FromBytes(ReadOnlySpan<byte> model, OrtSessionOptions? options = null)
    {
        var settings = options?.Clone() ?? new OrtSessionOptions();
        return new OrtSession(SessionFactory.FromBytes(OrtEnvironment.Shared, model, settings), settings);
    }

    /// <summary>The input called <paramref name="name"/>, or null.</summary>
    public OrtNodeInfo? FindInput(string name) => _inputsByName.GetValueOrDefault(name);

    /// <summary>The output called <paramref name="name"/>, or null.</summary>
    public OrtNodeInfo? FindOutput(string name) => _outputsByName.GetValueOrDefault(name);

    /// <summary>Runs the model: <paramref name="inputs"/> in <see cref="Inputs"/> order; returns every output in <see cref="Outputs"/> order.</summary>
    /// <exception cref="OrtException">ORT rejects the inputs (type, shape) or fails while running.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before or during the run.</exception>
    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != Inputs.Count)
        {
            throw new ArgumentException($"The model takes {Inputs.Count} inputs ({string.Join(", ", _inputNames.Names)}), given {inputs.Count}.", nameof(inputs));
        }
        return RunCore(_inputNames, inputs, _outputNames, cancellationToken);
    }

    /// <summary>Runs the model with the named inputs and returns the named outputs, in the order asked.</summary>
    /// <exception cref="OrtException">ORT rejects a name, the inputs (type, shape), or fails while running.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before or during the run.</exception>
    public IReadOnlyList<Tensor> Run(IReadOnlyList<string> inputNames, IReadOnlyList<Tensor> inputs,
                                     IReadOnlyList<string> outputNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputNames);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputNames);
        if (inputNames.Count != inputs.Count)
        {
            throw new ArgumentException($"{inputNames.Count} input names for {inputs.Count} inputs.", nameof(inputs));
        }
        if (outputNames.Count == 0)
        {
            throw new ArgumentException("At least one output must be asked for.", nameof(outputNames));
        }
        CheckNames(inputNames, nameof(inputNames));
        CheckNames(outputNames, nameof(outputNames));
        return RunCore(new NameBlock(inputNames), inputs, new NameBlock(outputNames), cancellationToken);
    }

    /// <summary>Closes the session; runs in flight finish first.</summary>
    public void Dispose() => _handle.Dispose();

    private unsafe Tensor[] RunCore(NameBlock inputNames, IReadOnlyList<Tensor> inputs, NameBlock outputNames, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var api = OrtApi.Instance;
        var pins = new MemoryHandle[inputs.Count];
        var values = new ValueHandle?[inputs.Count];
        var valuePointers = new nint[Math.Max(inputs.Count, 1)];
        var outputPointers = new nint[outputNames.Count];
        var sessionAdded = false;
        try
        {
            _handle.DangerousAddRef(ref sessionAdded);  // ObjectDisposedException after Dispose
            for (var i = 0; i < inputs.Count; i++)
            {
                var tensor = inputs[i] ?? throw new ArgumentException($"Input '{inputNames.Names[i]}' is null.", nameof(inputs));
                values[i] = TensorMarshal.CreateInput(api, inputNames.Names[i], tensor, out pins[i]);
                valuePointers[i] = values[i]!.Pointer;
            }

            nint runOptionsPointer;
            api.Check(api.CreateRunOptions(&runOptionsPointer));
            using var runOptions = new RunOptionsHandle(runOptionsPointer);
            nint status;
            // Disposing the registration waits for a callback in progress, so the run options outlive it.
            using (cancellationToken.UnsafeRegister(static state => Terminate((RunOptionsHandle)state!), runOptions))
            {
                fixed (nint* inputValues = valuePointers)
                fixed (nint* outputValues = outputPointers)
                {
                    status = api.Run(_handle.Pointer, runOptions.Pointer, inputNames.Pointers, inputValues, (nuint)inputs.Count,
                        outputNames.Pointers, (nuint)outputNames.Count, outputValues);
                }
            }
            if (status != 0)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    api.Ignore(status);
                    throw new OperationCanceledException("The model run was cancelled.", cancellationToken);
                }
                api.Check(status);
            }

            var results = new Tensor[outputNames.Count];
            for (var i = 0; i < results.Length; i++)
            {
                results[i] = TensorMarshal.ReadOutput(api, outputNames.Names[i], outputPointers[i]);
            }
            GC.KeepAlive(inputNames);
            GC.KeepAlive(outputNames);
            return results;
        }
        finally
        {
            foreach (var output in outputPointers)
            {
                if (output != 0)
                {
                    api.ReleaseValue(output);
                }
            }
            for (var i = 0; i < values.Length; i++)
            {
                values[i]?.Dispose();
                pins[i].Dispose();
            }
            if (sessionAdded)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private static unsafe void Terminate(RunOptionsHandle runOptions)
    {
        var api = OrtApi.Instance;
        api.Ignore(api.RunOptionsSetTerminate(runOptions.Pointer));
    }

    private static void CheckNames(IReadOnlyList<string> names, string parameter)
    {
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("A value name is null, empty or contains a NUL character.", parameter);
            }
        }
    }
}
