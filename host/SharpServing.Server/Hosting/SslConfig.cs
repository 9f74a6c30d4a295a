namespace SharpServing.Server.Hosting;

/// <summary>
/// Server TLS settings (MindSpore Serving's <c>SSLConfig</c>): PEM file paths of the certificate (chain), its private
/// key and, for mutual TLS, the CA that client certificates must chain to. The files are read when the server starts.
/// </summary>
public sealed class SslConfig
{
    /// <param name="certificate">PEM certificate file: the server certificate first, then any intermediates. Required.</param>
    /// <param name="privateKey">PEM private key file (RSA or EC, PKCS#1, PKCS#8 or SEC1, unencrypted). Required.</param>
    /// <param name="customCa">PEM file of the CA certificate(s) that client certificates must chain to; required when
    /// <paramref name="verifyClient"/> is true, ignored otherwise.</param>
    /// <param name="verifyClient">Mutual TLS: require a client certificate and verify it against <paramref name="customCa"/> only.</param>
    /// <exception cref="ArgumentException">A path is empty, or <paramref name="customCa"/> is missing for mutual TLS.</exception>
    public SslConfig(string certificate, string privateKey, string? customCa = null, bool verifyClient = false)
    {
        Certificate = Required(certificate, "certificate");
        PrivateKey = Required(privateKey, "private_key");
        if (customCa is not null && customCa.Length == 0)
        {
            throw new ArgumentException("Parameter 'custom_ca' should not be empty str", nameof(customCa));
        }
        if (verifyClient && customCa is null)
        {
            throw new ArgumentException("Parameter 'custom_ca' should be set when 'verify_client' is True", nameof(customCa));
        }
        CustomCa = customCa;
        VerifyClient = verifyClient;
    }

    /// <summary>PEM certificate (chain) file.</summary>
    public string Certificate { get; }

    /// <summary>PEM private key file.</summary>
    public string PrivateKey { get; }

    /// <summary>PEM CA file for client certificates, or null.</summary>
    public string? CustomCa { get; }

    /// <summary>Whether client certificates are required and verified.</summary>
    public bool VerifyClient { get; }

    private static string Required(string value, string name)
    {
        if (value is null)
        {
            throw new ArgumentException($"Parameter '{name}' should be str, but actually null", name);
        }
        if (value.Length == 0)
        {
            throw new ArgumentException($"Parameter '{name}' should not be empty str", name);
        }
        return value;
    }
}
