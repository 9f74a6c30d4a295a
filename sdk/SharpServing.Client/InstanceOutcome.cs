using System.Diagnostics.CodeAnalysis;

namespace SharpServing;

/// <summary>
/// The outcome of one instance of a request: either its outputs (output name → value) or its error, never both.
/// </summary>
/// <remarks>
/// Output values follow the MindSpore Serving client: an <c>MS_STRING</c> output is a <see cref="string"/> (one item) or a
/// <c>string[]</c>; an <c>MS_BYTES</c> output is a <c>byte[]</c> or a <c>byte[][]</c>; a numeric output is a read-only
/// <see cref="Tensor"/>.
/// </remarks>
public sealed class InstanceOutcome
{
    private InstanceOutcome(IReadOnlyDictionary<string, object>? outputs, string? error, long errorCode)
    {
        Outputs = outputs;
        Error = error;
        ErrorCode = errorCode;
    }

    /// <summary>The outputs; null when the instance failed.</summary>
    public IReadOnlyDictionary<string, object>? Outputs { get; }

    /// <summary>Why the instance failed; null when it succeeded.</summary>
    public string? Error { get; }

    /// <summary>The server's error code for <see cref="Error"/> (0 when the instance succeeded).</summary>
    public long ErrorCode { get; }

    /// <summary>True when the instance has outputs.</summary>
    [MemberNotNullWhen(true, nameof(Outputs))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Outputs is not null;

    /// <summary>Output <paramref name="name"/> as <typeparamref name="T"/> (<see cref="Tensor"/>, <see cref="string"/>, <c>byte[]</c>, ...).</summary>
    /// <exception cref="InferFailedException">The instance failed.</exception>
    /// <exception cref="KeyNotFoundException">There is no such output.</exception>
    /// <exception cref="InvalidCastException">The output is not a <typeparamref name="T"/>.</exception>
    public T GetOutput<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsSuccess)
        {
            throw new InferFailedException(Error, ErrorCode);
        }
        if (!Outputs.TryGetValue(name, out var value))
        {
            throw new KeyNotFoundException($"The instance has no output '{name}'; it has: {string.Join(", ", Outputs.Keys)}.");
        }
        return value is T typed
            ? typed
            : throw new InvalidCastException($"Output '{name}' is a {value.GetType().Name}, not a {typeof(T).Name}.");
    }

    /// <inheritdoc />
    public override string ToString()
        => IsSuccess ? $"{{{string.Join(", ", Outputs.Select(o => $"{o.Key}: {o.Value}"))}}}" : $"error: {Error}";

    internal static InstanceOutcome Success(IReadOnlyDictionary<string, object> outputs) => new(outputs, null, 0);

    internal static InstanceOutcome Failure(string error, long errorCode) => new(null, error, errorCode);
}
