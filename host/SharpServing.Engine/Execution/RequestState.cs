namespace SharpServing.Engine.Execution;

/// <summary>
/// The values and errors of one request's instances as they flow through a method's stages: for each instance, the
/// outputs of every stage so far (stage 0 = the method inputs), or the error that stopped it.
/// </summary>
internal sealed class RequestState
{
    private readonly Tensor[]?[][] _values;
    private readonly ServingError?[] _errors;

    public RequestState(string spec, Tensor[][] inputs, int stageCount, CancellationToken cancellationToken)
    {
        Spec = spec;
        CancellationToken = cancellationToken;
        _values = new Tensor[]?[inputs.Length][];
        _errors = new ServingError?[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            _values[i] = new Tensor[]?[stageCount + 1];
            _values[i][0] = inputs[i];
        }
    }

    /// <summary><c>servable(..) method(..)</c> as the request named it, for texts.</summary>
    public string Spec { get; }

    /// <summary>The request's cancellation (client gone, deadline).</summary>
    public CancellationToken CancellationToken { get; }

    public int Count => _errors.Length;

    public ServingError? Error(int instance) => _errors[instance];

    /// <summary>The instances that have not failed, in order.</summary>
    public int[] Alive()
    {
        var alive = new List<int>(_errors.Length);
        for (var i = 0; i < _errors.Length; i++)
        {
            if (_errors[i] is null)
            {
                alive.Add(i);
            }
        }
        return [.. alive];
    }

    /// <summary>The values a stage takes for one instance.</summary>
    public Tensor[] Gather(int instance, IReadOnlyList<StageInput> sources)
    {
        var values = new Tensor[sources.Count];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = Value(instance, sources[k]);
        }
        return values;
    }

    public Tensor Value(int instance, StageInput source) => _values[instance][source.Stage]![source.Output];

    // Each instance slot is written by one stage task at a time, and stages run one after another.
    public void SetOutputs(int instance, int stage, Tensor[] outputs) => _values[instance][stage] = outputs;

    public void Fail(int instance, ServingError error) => _errors[instance] = error;
}
