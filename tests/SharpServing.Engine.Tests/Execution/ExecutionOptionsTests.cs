namespace SharpServing.Engine.Tests.Execution;

public sealed class ExecutionOptionsTests
{
    [Fact]
    public void Defaults_match_the_documented_values()
    {
        var options = new ExecutionOptions();

        Assert.Equal(10000, options.MaxEnqueuedRequests);
        Assert.Equal(0, options.ParallelWorkers);
        Assert.Equal(Environment.ProcessorCount, options.EffectiveParallelWorkers);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DrainTimeout);
    }

    [Fact]
    public void Out_of_range_values_are_refused_by_the_setters()
    {
        var options = new ExecutionOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxEnqueuedRequests = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ParallelWorkers = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ParallelWorkers = 65);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.DrainTimeout = TimeSpan.FromTicks(-1));
        options.MaxEnqueuedRequests = 1;
        options.ParallelWorkers = 64;
        Assert.Equal(64, options.EffectiveParallelWorkers);
    }
}
