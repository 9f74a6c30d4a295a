namespace SharpServing;

/// <summary>
/// TLS settings of a <see cref="Client"/>: PEM file paths, read when the client is constructed. Without an
/// <see cref="SslConfig"/> the client speaks plaintext HTTP/2 (h2c).
/// </summary>
public sealed class SslConfig
{
    /// <param name="certificate">The client certificate chain (PEM) for mutual TLS, or null.</param>
    /// <param name="privateKey">The client certificate's private key (PEM), or null; given together with <paramref name="certificate"/>.</param>
    /// <param name="customCa">The root certificates (PEM) that the server's certificate must chain to; null = the system roots.</param>
    public SslConfig(string? certificate = null, string? privateKey = null, string? customCa = null)
    {
        CheckPath("certificate", certificate);
        CheckPath("private_key", privateKey);
        CheckPath("custom_ca", customCa);
        if ((certificate is null) != (privateKey is null))
        {
            throw new ArgumentException("The certificate and private_key should be passed at the same time");
        }
        Certificate = certificate;
        PrivateKey = privateKey;
        CustomCa = customCa;
    }

    /// <summary>The client certificate chain file (PEM), or null.</summary>
    public string? Certificate { get; }

    /// <summary>The client private key file (PEM), or null.</summary>
    public string? PrivateKey { get; }

    /// <summary>The trusted root certificates file (PEM), or null for the system roots.</summary>
    public string? CustomCa { get; }

    private static void CheckPath(string name, string? value)
    {
        if (value is { Length: 0 })
        {
            throw new ArgumentException($"Parameter '{name}' should not be empty str");
        }
    }
}
