using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using SharpServing.OnnxRuntime.Internal;

namespace SharpServing.OnnxRuntime;

/// <summary>
/// One loaded ONNX model (the package's <see cref="InferenceSession"/>). Runs take SharpServing tensors in and hand new
/// ones out.
/// </summary>
/// <remarks>
/// Ownership: a session lives as long as the servable version that opened it; disposing it while runs are in flight
/// closes the native session when the last of them returns. The native values of a run (inputs and outputs) live for
/// that one run: numeric inputs are read in place from the tensors' pinned memory, outputs are copied out once. A run
/// with every input in model order (<see cref="Run(IReadOnlyList{Tensor}, Tensor[], CancellationToken)"/>) instead
/// reuses a run slot: run options, and values over pinned buffers of the slot's own for inputs and outputs of a small
/// fixed shape (copied in and out), which live until the session closes. Runs are thread-safe.
/// </remarks>
public sealed class OrtSession : IModelSession
{
    private static int s_open;
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly Dictionary<string, ModelValueInfo> _inputsByName;
    private readonly Dictionary<string, ModelValueInfo> _outputsByName;
    private readonly Lock _gate = new();
    // The native objects of runs, reused (one run at a time each); at most MaxIdleSlots are kept between runs.
    private readonly ConcurrentQueue<RunSlot> _slots = new();
    private const int MaxIdleSlots = 4;
    private int _running;
    private bool _disposed;

    private OrtSession(InferenceSession session, ModelSessionOptions options)
    {
        _session = session;
        Options = options;
        try
        {
            Inputs = ValueInfos.Read(session.InputNames, session.InputMetadata);
            Outputs = ValueInfos.Read(session.OutputNames, session.OutputMetadata);
        }
        catch (OnnxRuntimeException e)
        {
            session.Dispose();
            throw new OrtException(e);
        }
        _inputNames = [.. Inputs.Select(i => i.Name)];
        _outputNames = [.. Outputs.Select(o => o.Name)];
        _inputsByName = Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        _outputsByName = Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
        Interlocked.Increment(ref s_open);
    }

    /// <summary>The sessions of this process that are open now: opened and not yet closed (a disposed session closes when
    /// its last run returns). A count that grows across reloads is a leak.</summary>
    public static int OpenCount => Volatile.Read(ref s_open);

    /// <inheritdoc />
    public IReadOnlyList<ModelValueInfo> Inputs { get; }

    /// <inheritdoc />
    public IReadOnlyList<ModelValueInfo> Outputs { get; }

    /// <summary>The settings the session was opened with (a copy).</summary>
    public ModelSessionOptions Options { get; }

    /// <summary>Opens the model file at <paramref name="path"/>.</summary>
    /// <exception cref="OrtException">ORT cannot load the model (missing file, bad protobuf, invalid graph, ...).</exception>
    /// <exception cref="ModelDeviceException">A GPU was asked for and the CUDA provider cannot run on it.</exception>
    public static OrtSession FromFile(string path, ModelSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Open(options, sessionOptions => new InferenceSession(path, sessionOptions));
    }

    /// <summary>Opens a model held in memory. ORT copies what it needs: the bytes may be cleared once this returns.</summary>
    /// <exception cref="OrtException">ORT cannot load the model.</exception>
    /// <exception cref="ModelDeviceException">A GPU was asked for and the CUDA provider cannot run on it.</exception>
    public static OrtSession FromBytes(byte[] model, ModelSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Open(options, sessionOptions => new InferenceSession(model, sessionOptions));
    }

    /// <summary>The input called <paramref name="name"/>, or null.</summary>
    public ModelValueInfo? FindInput(string name) => _inputsByName.GetValueOrDefault(name);

    /// <summary>The output called <paramref name="name"/>, or null.</summary>
    public ModelValueInfo? FindOutput(string name) => _outputsByName.GetValueOrDefault(name);

    /// <summary>Runs the model: <paramref name="inputs"/> in <see cref="Inputs"/> order; returns every output in <see cref="Outputs"/> order.</summary>
    /// <exception cref="OrtException">ORT rejects the inputs (type, shape) or fails while running.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before or during the run.</exception>
    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, CancellationToken cancellationToken = default)
    {
        var outputs = new Tensor[Outputs.Count];
        Run(inputs, outputs, cancellationToken);
        return outputs;
    }

    /// <inheritdoc />
    public void Run(IReadOnlyList<Tensor> inputs, Tensor[] outputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count != _inputNames.Length)
        {
            throw new ArgumentException($"The model takes {_inputNames.Length} inputs ({string.Join(", ", _inputNames)}), given {inputs.Count}.", nameof(inputs));
        }
        if (outputs.Length != _outputNames.Length)
        {
            throw new ArgumentException($"The model has {_outputNames.Length} outputs, given room for {outputs.Length}.", nameof(outputs));
        }
        RunInOrder(inputs, outputs, cancellationToken);
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
        var outputs = new Tensor[outputNames.Count];
        RunCore(inputNames, inputs, outputNames, outputs, cancellationToken);
        return outputs;
    }

    /// <summary>Closes the session; runs in flight finish first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_running > 0)
            {
                return;  // the last run closes it
            }
        }
        Close();
    }

    private static OrtSession Open(ModelSessionOptions? options, Func<SessionOptions, InferenceSession> create)
    {
        var settings = options?.Clone() ?? new ModelSessionOptions();
        _ = OrtEnvironment.Shared;  // the environment first, with the configured log level
        using var sessionOptions = SessionOptionsFactory.Create(settings);
        InferenceSession session;
        try
        {
            session = create(sessionOptions);
        }
        catch (OnnxRuntimeException e) when (settings.Device == DeviceType.Gpu && e.Message.Contains("CUDA", StringComparison.OrdinalIgnoreCase))
        {
            throw SessionOptionsFactory.CudaFailed(settings.DeviceId, e);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OrtException(e);
        }
        return new OrtSession(session, settings);
    }

    private void RunCore(IReadOnlyList<string> inputNames, IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames, Tensor[] outputs,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var values = new OrtValue[inputs.Count];
        var pins = new MemoryHandle[inputs.Count];
        Enter();
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                var tensor = inputs[i] ?? throw new ArgumentException($"Input '{inputNames[i]}' is null.", nameof(inputs));
                values[i] = TensorValues.CreateInput(inputNames[i], tensor, out pins[i]);
            }
            using var runOptions = new RunOptions();
            IDisposableReadOnlyCollection<OrtValue> results;
            // Disposing the registration waits for a callback in progress, so the run options outlive it.
            using (cancellationToken.UnsafeRegister(static state => ((RunOptions)state!).Terminate = true, runOptions))
            {
                results = _session.Run(runOptions, inputNames, values, outputNames);
            }
            using (results)
            {
                var k = 0;
                foreach (var result in results)
                {
                    outputs[k] = TensorValues.ReadOutput(outputNames[k], result);
                    k++;
                }
            }
        }
        catch (OnnxRuntimeException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The model run was cancelled.", e, cancellationToken);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OrtException(e);
        }
        finally
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i]?.Dispose();
                pins[i].Dispose();
            }
            Exit();
        }
    }

    /// <summary>
    /// A run with every input and output in model order, on a reused <see cref="RunSlot"/>: no run options, and for small
    /// fixed-shape values no native value, made per run. A slot whose run failed or was cancelled is not reused.
    /// </summary>
    private void RunInOrder(IReadOnlyList<Tensor> inputs, Tensor[] outputs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Enter();
        RunSlot? slot = null;
        var reuse = false;
        try
        {
            slot = _slots.TryDequeue(out var idle) ? idle : new RunSlot(_session, Inputs, Outputs);
            var bound = slot.Binding is not null;
            for (var i = 0; i < _inputNames.Length; i++)
            {
                bound &= slot.SetInput(i, _inputNames[i], inputs[i] ?? throw new ArgumentException($"Input '{_inputNames[i]}' is null.", nameof(inputs)));
            }
            IDisposableReadOnlyCollection<OrtValue>? results = null;
            // Disposing the registration waits for a callback in progress, so the run options outlive it.
            using (cancellationToken.UnsafeRegister(static state => ((RunOptions)state!).Terminate = true, slot.Options))
            {
                if (bound)
                {
                    _session.RunWithBinding(slot.Options, slot.Binding!);
                }
                else if (slot.FixedOutputs is { } fixedOutputs)
                {
                    _session.Run(slot.Options, _inputNames, slot.InputValues, _outputNames, fixedOutputs);
                }
                else
                {
                    results = _session.Run(slot.Options, _inputNames, slot.InputValues, _outputNames);
                }
            }
            if (results is null)
            {
                for (var k = 0; k < outputs.Length; k++)
                {
                    outputs[k] = slot.ReadOutput(k);
                }
            }
            else
            {
                using (results)
                {
                    var k = 0;
                    foreach (var result in results)
                    {
                        outputs[k] = TensorValues.ReadOutput(_outputNames[k], result);
                        k++;
                    }
                }
            }
            reuse = !cancellationToken.IsCancellationRequested;
        }
        catch (OnnxRuntimeException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The model run was cancelled.", e, cancellationToken);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OrtException(e);
        }
        finally
        {
            if (slot is not null)
            {
                slot.EndRun();
                if (reuse && _slots.Count < MaxIdleSlots)
                {
                    _slots.Enqueue(slot);
                }
                else
                {
                    slot.Dispose();
                }
            }
            Exit();
        }
    }

    private void Enter()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running++;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            if (--_running > 0 || !_disposed)
            {
                return;
            }
        }
        Close();
    }

    /// <summary>Closes the native session (once: after the last run of a disposed session) and gives the freed native
    /// memory back to the system.</summary>
    private void Close()
    {
        while (_slots.TryDequeue(out var slot))
        {
            slot.Dispose();
        }
        _session.Dispose();
        Interlocked.Decrement(ref s_open);
        NativeHeap.Trim();
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
