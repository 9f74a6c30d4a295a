using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace SharpServing.Conformance.Tests;

public sealed class ConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Suites => new(ConformanceCase.Suites);

    [Theory]
    [MemberData(nameof(Suites))]
    public void Suite_PassesExceptKnownFailures(string suite)
    {
        var cases = ConformanceCase.InSuite(suite);
        var known = KnownFailures.Load();
        var outcomes = new ConcurrentBag<Outcome>();
        var clock = Stopwatch.StartNew();

        // Two cases at a time (one per core), each session on one intra-op thread.
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, test => outcomes.Add(ConformanceRunner.Run(test)));

        var sorted = outcomes.OrderBy(o => o.Case.Id, StringComparer.Ordinal).ToArray();
        var passed = sorted.Where(o => o.Kind == OutcomeKind.Passed).ToArray();
        var failed = sorted.Where(o => o.Kind == OutcomeKind.Failed).ToArray();
        var skipped = sorted.Where(o => o.Kind == OutcomeKind.Skipped).ToArray();
        var regressions = failed.Where(o => !known.ContainsKey(o.Case.Id)).ToArray();
        var nowPassing = passed.Where(o => known.ContainsKey(o.Case.Id)).ToArray();

        output.WriteLine($"{suite}: {cases.Count} cases in {clock.Elapsed.TotalSeconds:F1} s: {passed.Length} passed, " +
                         $"{failed.Length - regressions.Length} known failures, {skipped.Length} skipped, {regressions.Length} regressions");
        foreach (var o in nowPassing)
        {
            output.WriteLine($"now passes (remove from {Path.GetFileName(KnownFailures.FilePath)}): {o.Case.Id}");
        }
        foreach (var o in skipped)
        {
            output.WriteLine($"skipped: {o.Case.Id}  {o.Reason}");
        }
        foreach (var o in regressions)
        {
            output.WriteLine($"FAILED: {o.Case.Id}  {o.Reason}");
        }
        Assert.True(cases.Count > 0, $"No cases under {ConformanceCase.DataRoot}/{suite}: is Debian's libonnx-testdata installed?");
        Assert.True(regressions.Length == 0,
            $"{regressions.Length} cases failed that {Path.GetFileName(KnownFailures.FilePath)} does not list:\n" +
            string.Join("\n", regressions.Select(o => $"{o.Case.Id}  {o.Reason}")));
    }
}
