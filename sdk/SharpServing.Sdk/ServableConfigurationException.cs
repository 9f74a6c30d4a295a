namespace SharpServing;

/// <summary>A servable's configuration is invalid: a registration error, an unknown model file, a bad option.
/// The servable (version) does not start; the message says why.</summary>
public sealed class ServableConfigurationException : Exception
{
    public ServableConfigurationException()
    {
    }

    public ServableConfigurationException(string message)
        : base(message)
    {
    }

    public ServableConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
