namespace SharpServing;

internal static class StageNames
{
    /// <summary>A readable name of a delegate's method: local functions and lambdas lose their compiler decorations.</summary>
    public static string FunctionName(Delegate function)
    {
        var name = function.Method.Name;
        // Local functions compile to "<Outer>g__Name|0_1"; lambdas to "<Outer>b__0_0".
        var start = name.IndexOf("g__", StringComparison.Ordinal);
        if (start >= 0)
        {
            var end = name.IndexOf('|', start);
            return end > start ? name[(start + 3)..end] : name[(start + 3)..];
        }
        return name.StartsWith('<') ? "lambda" : name;
    }
}
