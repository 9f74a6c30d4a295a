namespace SharpServing.Engine.Configuration;

/// <summary>
/// The serving configuration is invalid. <see cref="Setting"/> names the offending setting (<c>servables[0].device_ids</c>,
/// <c>grpc.max_msg_mb_size</c>); the message starts with it. Raised at startup, never on a request.
/// </summary>
public sealed class ServingConfigurationException : Exception
{
    public ServingConfigurationException()
    {
        Setting = "";
    }

    public ServingConfigurationException(string message)
        : base(message)
    {
        Setting = "";
    }

    public ServingConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Setting = "";
    }

    /// <summary>An error of setting <paramref name="setting"/>: the message reads <c>&lt;setting&gt;: &lt;detail&gt;</c>.</summary>
    public ServingConfigurationException(string setting, string detail, Exception? innerException = null)
        : base(string.IsNullOrEmpty(setting) ? detail : $"{setting}: {detail}", innerException)
    {
        Setting = setting ?? "";
    }

    /// <summary>The setting at fault, as a path (<c>servables[1].version</c>); empty when the whole configuration is.</summary>
    public string Setting { get; }
}
