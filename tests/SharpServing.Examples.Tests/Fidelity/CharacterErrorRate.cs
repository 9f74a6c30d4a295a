namespace SharpServing.Examples.Tests.Fidelity;

/// <summary>The character error rate: the edit distance (insertions, deletions, substitutions) from the ground truth to
/// what was read, over the ground truth's length, capped at 1. Line breaks count as characters, so lines run together
/// or split apart cost too.</summary>
internal static class CharacterErrorRate
{
    public static double Of(string read, string truth)
    {
        ArgumentException.ThrowIfNullOrEmpty(truth);
        var previous = new int[read.Length + 1];
        var current = new int[read.Length + 1];
        for (var j = 0; j <= read.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= truth.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= read.Length; j++)
            {
                var substitution = previous[j - 1] + (truth[i - 1] == read[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return Math.Min(1.0, previous[read.Length] / (double)truth.Length);
    }
}
