namespace SharpServing.Engine.Execution;

/// <summary>
/// The values and errors of one request's instances as they flow through a method's stages: for each instance, the
/// outputs of every stage so far (stage 0 = the method inputs), or the error that stopped it.
/// </summary>
/// <remarks>
/// Each instance slot is written by one stage at a time, and stages run one after another; the instances of a batch
/// function stage may be written by several calls at once, each its own slots.
/// </remarks>
internal sealed class RequestState : IRequestMemorySource
{
    private static readonly int[] s_first = [0];

    // Instance i's outputs of stage s at [i * _stride + s]: one array for the whole request.
    private readonly Tensor[]?[] _values;
    private readonly int _stride;
    private readonly int _count;
    private readonly string _servable;
    private readonly string _method;
    private readonly ulong _version;
    private ServingError?[]? _errors;
    private string? _spec;
    private int[]? _alive;
    private int _failed;
    private RequestMemory? _memory;

    public RequestState(string servable, string method, ulong version, Tensor[][] inputs, int stageCount, CancellationToken cancellationToken)
    {
        _servable = servable;
        _method = method;
        _version = version;
        CancellationToken = cancellationToken;
        _count = inputs.Length;
        _stride = stageCount + 1;
        _values = new Tensor[]?[checked(_count * _stride)];
        for (var i = 0; i < inputs.Length; i++)
        {
            _values[i * _stride] = inputs[i];
        }
    }

    /// <summary><c>servable(..) method(..)</c> as the request named it, for texts (made only when a text needs it).</summary>
    public string Spec => _spec ??= ExecutionErrors.Spec(_servable, _method, _version);

    /// <summary>The request's cancellation (client gone, deadline).</summary>
    public CancellationToken CancellationToken { get; }

    public int Count => _count;

    /// <summary>The request's pooled memory for large tensors, made when a stage first asks for it.</summary>
    public RequestMemory Memory => Volatile.Read(ref _memory) ?? Interlocked.CompareExchange(ref _memory, new RequestMemory(), null) ?? _memory;

    /// <summary>The request's memory if any stage used it, else null.</summary>
    public RequestMemory? MemoryIfUsed => Volatile.Read(ref _memory);

    /// <summary>Whether any instance has failed.</summary>
    public bool AnyFailed => Volatile.Read(ref _failed) != 0;

    public ServingError? Error(int instance) => Volatile.Read(ref _errors)?[instance];

    /// <summary>The instances that have not failed, in order. The same array while no instance fails: do not change it.</summary>
    public int[] Alive()
    {
        var failed = Volatile.Read(ref _failed);
        if (failed == 0 && _count == 1)
        {
            return s_first;
        }
        if (_alive is { } alive && alive.Length == _count - failed)
        {
            return alive;
        }
        var result = new int[_count - failed];
        var n = 0;
        for (var i = 0; i < _count && n < result.Length; i++)
        {
            if (Error(i) is null)
            {
                result[n++] = i;
            }
        }
        return _alive = result;
    }

    /// <summary>The values a stage takes for one instance, in an array of its own (user code may change it).</summary>
    public Tensor[] Gather(int instance, IReadOnlyList<StageInput> sources)
    {
        var start = instance * _stride;
        var values = new Tensor[sources.Count];
        for (var k = 0; k < values.Length; k++)
        {
            var source = sources[k];
            values[k] = _values[start + source.Stage]![source.Output];
        }
        return values;
    }

    /// <summary>
    /// The values a stage takes for one instance, for a reader that never changes the array (a model stage). Stage outputs
    /// are never changed once set, so when the stage takes every output of one earlier stage in order (a model fed
    /// straight from the method inputs, say) it gets that stage's array itself, not a copy.
    /// </summary>
    public Tensor[] GatherShared(int instance, IReadOnlyList<StageInput> sources)
        => sources.Count > 0 && _values[instance * _stride + sources[0].Stage] is { } whole && whole.Length == sources.Count && TakesAll(sources)
            ? whole
            : Gather(instance, sources);

    private static bool TakesAll(IReadOnlyList<StageInput> sources)
    {
        var stage = sources[0].Stage;
        for (var k = 0; k < sources.Count; k++)
        {
            if (sources[k] != new StageInput(stage, k))
            {
                return false;
            }
        }
        return true;
    }

    public Tensor Value(int instance, StageInput source) => _values[instance * _stride + source.Stage]![source.Output];

    public void SetOutputs(int instance, int stage, Tensor[] outputs) => _values[instance * _stride + stage] = outputs;

    public void Fail(int instance, ServingError error)
    {
        var errors = Volatile.Read(ref _errors) ?? Interlocked.CompareExchange(ref _errors, new ServingError?[_count], null) ?? _errors;
        if (Interlocked.Exchange(ref errors[instance], error) is null)
        {
            Interlocked.Increment(ref _failed);
        }
    }
}
