namespace SharpServing.Engine.Execution;

/// <summary>An instance's value does not fit a model input (byte size or data type); reported with code 2.</summary>
internal sealed class ModelInputException : Exception
{
    public ModelInputException()
    {
    }

    public ModelInputException(string message)
        : base(message)
    {
    }

    public ModelInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
