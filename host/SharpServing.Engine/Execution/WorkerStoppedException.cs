namespace SharpServing.Engine.Execution;

/// <summary>Work that was still queued when its servable version stopped (reported with code 4).</summary>
internal sealed class WorkerStoppedException : Exception
{
    public WorkerStoppedException()
        : base("The servable version stopped before the work ran.")
    {
    }

    public WorkerStoppedException(string message)
        : base(message)
    {
    }

    public WorkerStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
