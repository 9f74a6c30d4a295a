namespace SharpServing.Engine.Execution;

/// <summary>What a request's model stage spent in model runs, in <see cref="System.Diagnostics.Stopwatch"/> ticks: packing
/// inputs, running the session, slicing outputs (each run that held its instances counted once).</summary>
internal readonly record struct ModelTime(long Input, long Infer, long Output)
{
    public long Total => Input + Infer + Output;

    public ModelTime Add(in RunTiming run) => new(Input + run.Input, Infer + run.Infer, Output + run.Output);
}
