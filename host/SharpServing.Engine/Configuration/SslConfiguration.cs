namespace SharpServing.Engine.Configuration;

/// <summary>TLS of a server endpoint (MindSpore Serving's <c>SSLConfig</c>): PEM file paths.</summary>
public sealed class SslConfiguration
{
    /// <summary>The server certificate chain (PEM file). Required.</summary>
    public string Certificate { get; set; } = "";

    /// <summary>The server private key (PEM file). Required.</summary>
    public string PrivateKey { get; set; } = "";

    /// <summary>The CA that client certificates must chain to (PEM file). Required when <see cref="VerifyClient"/>; ignored otherwise.</summary>
    public string? CustomCa { get; set; }

    /// <summary>Mutual TLS: require and verify a client certificate. Default false.</summary>
    public bool VerifyClient { get; set; }

    internal void Validate(string setting)
    {
        if (string.IsNullOrEmpty(Certificate))
        {
            throw new ServingConfigurationException($"{setting}.certificate", "Parameter 'certificate' should not be empty str");
        }
        if (string.IsNullOrEmpty(PrivateKey))
        {
            throw new ServingConfigurationException($"{setting}.private_key", "Parameter 'private_key' should not be empty str");
        }
        if (VerifyClient && string.IsNullOrEmpty(CustomCa))
        {
            throw new ServingConfigurationException($"{setting}.custom_ca",
                "Parameter 'custom_ca' should not be empty str when 'verify_client' is true");
        }
    }
}
