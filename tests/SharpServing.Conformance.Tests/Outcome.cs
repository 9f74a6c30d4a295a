namespace SharpServing.Conformance.Tests;

/// <summary>What running one case gave.</summary>
internal enum OutcomeKind
{
    Passed,
    Failed,

    /// <summary>The model takes or gives values SharpServing tensors do not carry (sequences, maps, optionals, bfloat16, ...).</summary>
    Skipped,
}

internal sealed record Outcome(ConformanceCase Case, OutcomeKind Kind, string Reason = "")
{
    public static Outcome Pass(ConformanceCase c) => new(c, OutcomeKind.Passed);

    public static Outcome Fail(ConformanceCase c, string reason) => new(c, OutcomeKind.Failed, reason);

    public static Outcome Skip(ConformanceCase c, string reason) => new(c, OutcomeKind.Skipped, reason);
}
