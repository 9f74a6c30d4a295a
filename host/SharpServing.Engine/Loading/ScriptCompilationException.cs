namespace SharpServing.Engine.Loading;

/// <summary>A script did not compile; <see cref="Errors"/> holds one line per error (file, line, column, id, message).</summary>
internal sealed class ScriptCompilationException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
