using System.Collections;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace SharpServing.Engine.Execution;

/// <summary>
/// Calls one C# function stage: converts tensors to the delegate's parameter types and its result back to tensors.
/// Everything that depends on the types (converters, the invoker, the tuple constructor of a batch element) is built
/// once, when the version loads; an unsupported signature fails the load.
/// </summary>
internal sealed class FunctionInvoker
{
    private readonly Delegate _function;
    private readonly MethodInvoker? _invoker;
    private readonly int _outputsCount;
    private readonly Func<Tensor, object?>[] _converters;
    private readonly Type? _elementType;
    private readonly Func<Tensor[], object?>? _element;

    /// <exception cref="InvalidOperationException">The function's parameter types cannot be fed from tensors.</exception>
    public FunctionInvoker(FunctionStage stage)
    {
        _function = stage.Function;
        _outputsCount = stage.OutputsCount;
        var method = _function.Method;
        var parameters = method.GetParameters();
        // A static method closed over its first argument has one parameter more than it is called with.
        if (!(method.IsStatic && _function.Target is not null))
        {
            try
            {
                _invoker = MethodInvoker.Create(method);
            }
            catch (NotSupportedException)
            {
                _invoker = null;
            }
        }
        if (parameters.Any(p => p.ParameterType.IsByRef))
        {
            throw Unsupported(stage, "ref and out parameters are not supported");
        }
        if (stage.BatchSize is null)
        {
            _converters = [.. parameters.Select(p => TensorConversion.ForParameter(p.ParameterType)
                ?? throw Unsupported(stage, $"parameter '{p.Name}' has type {p.ParameterType.Name}, which cannot be made from a tensor"))];
            return;
        }
        _converters = [];
        var listType = parameters[0].ParameterType;
        _elementType = ElementTypeOf(listType)
            ?? throw Unsupported(stage, $"a batch function takes IReadOnlyList<T> (or T[], IList<T>, IEnumerable<T>), not {listType.Name}");
        _element = ElementBuilder(stage, _elementType);
    }

    /// <summary>Calls a per-instance function with one instance's values.</summary>
    public Tensor[] Invoke(Tensor[] arguments)
    {
        var values = new object?[arguments.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _converters[i](arguments[i]);
        }
        return TensorConversion.ToOutputs(Call(values), _outputsCount);
    }

    /// <summary>
    /// Calls a batch function with several instances' values; returns the outputs of each instance it gave a result
    /// for (a shorter list when it returned fewer results; extra results are ignored).
    /// </summary>
    public List<Tensor[]> InvokeBatch(IReadOnlyList<Tensor[]> instances)
    {
        var list = Array.CreateInstance(_elementType!, instances.Count);
        for (var i = 0; i < instances.Count; i++)
        {
            list.SetValue(_element!(instances[i]), i);
        }
        var result = Call([list]);
        if (result is not IEnumerable results || result is string)
        {
            throw new InvalidOperationException(
                $"The batch function returned {result?.GetType().Name ?? "null"}; it must return one result per instance (an IEnumerable).");
        }
        var outputs = new List<Tensor[]>(instances.Count);
        foreach (var item in results)
        {
            if (outputs.Count == instances.Count)
            {
                break;
            }
            outputs.Add(TensorConversion.ToOutputs(item, _outputsCount));
        }
        return outputs;
    }

    private object? Call(object?[] values)
    {
        try
        {
            return _invoker is not null ? _invoker.Invoke(_function.Target, values.AsSpan()) : _function.DynamicInvoke(values);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static Type? ElementTypeOf(Type listType)
    {
        if (listType.IsSZArray)
        {
            return listType.GetElementType();
        }
        if (listType.IsGenericType && listType.GetGenericArguments() is [var element])
        {
            var definition = listType.GetGenericTypeDefinition();
            if (definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>) || definition == typeof(IEnumerable<>)
                || definition == typeof(IReadOnlyCollection<>) || definition == typeof(ICollection<>))
            {
                return element;
            }
        }
        return null;
    }

    /// <summary>Builds one batch element from an instance's values: the single value, a tuple of them, or the array.</summary>
    private static Func<Tensor[], object?> ElementBuilder(FunctionStage stage, Type elementType)
    {
        var inputs = stage.Inputs.Count;
        if (elementType == typeof(Tensor[]) || elementType == typeof(IReadOnlyList<Tensor>))
        {
            return static values => values;
        }
        if (inputs == 1)
        {
            var single = TensorConversion.ForParameter(elementType)
                ?? throw Unsupported(stage, $"its batch element type {elementType.Name} cannot be made from a tensor");
            return values => single(values[0]);
        }
        var isTuple = elementType.IsValueType && elementType.IsGenericType
            && elementType.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true;
        var items = isTuple ? elementType.GetGenericArguments() : [];
        if (!isTuple || items.Length != inputs || inputs > 7)
        {
            throw Unsupported(stage, $"a batch function over {inputs} inputs takes a list of ({inputs}-)tuples or of Tensor[], not of {elementType.Name}");
        }
        var converters = items.Select(t => TensorConversion.ForParameter(t)
            ?? throw Unsupported(stage, $"its tuple item type {t.Name} cannot be made from a tensor")).ToArray();
        var constructor = ConstructorInvoker.Create(elementType.GetConstructor(items)!);
        return values =>
        {
            var arguments = new object?[converters.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = converters[i](values[i]);
            }
            return constructor.Invoke(arguments.AsSpan());
        };
    }

    private static InvalidOperationException Unsupported(FunctionStage stage, string reason)
        => new($"Function stage {stage.Index} ({stage.FunctionName}): {reason}.");
}
