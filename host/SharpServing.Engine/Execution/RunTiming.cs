using System.Diagnostics;

namespace SharpServing.Engine.Execution;

/// <summary>
/// The <see cref="Stopwatch"/> timestamps of one model run: started, inputs packed, session run, outputs sliced. Default
/// (all zero) for a run that did not happen.
/// </summary>
internal readonly record struct RunTiming(long Started, long Packed, long Ran, long Ended)
{
    /// <summary>Ticks spent packing the inputs.</summary>
    public long Input => Packed - Started;

    /// <summary>Ticks spent in the session.</summary>
    public long Infer => Ran - Packed;

    /// <summary>Ticks spent slicing the outputs.</summary>
    public long Output => Ended - Ran;
}
