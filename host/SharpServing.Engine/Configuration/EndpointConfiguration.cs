namespace SharpServing.Engine.Configuration;

/// <summary>One server endpoint (gRPC or RESTful): its address, message size limit and optional TLS.</summary>
public sealed class EndpointConfiguration
{
    /// <summary>The most <see cref="MaxMsgMbSize"/> accepts.</summary>
    public const int MaxMessageMegabytes = 512;

    private int _maxMsgMbSize = 100;

    /// <summary>
    /// <c>&lt;ip&gt;:&lt;port&gt;</c>, or for gRPC <c>unix:&lt;path&gt;</c>. Required; its syntax is checked by the server
    /// when it binds (with MindSpore Serving's address texts).
    /// </summary>
    public string Address { get; set; } = "";

    /// <summary>The message size limit in MiB. Default 100, range 1..512.</summary>
    public int MaxMsgMbSize
    {
        get => _maxMsgMbSize;
        set
        {
            if (value is < 1 or > MaxMessageMegabytes)
            {
                throw new ArgumentOutOfRangeException(null, "Parameter 'max_msg_mb_size' should be in range [1,512]");
            }
            _maxMsgMbSize = value;
        }
    }

    /// <summary>TLS; null for plaintext. Default null.</summary>
    public SslConfiguration? Ssl { get; set; }

    internal void Validate(string setting)
    {
        if (string.IsNullOrWhiteSpace(Address))
        {
            throw new ServingConfigurationException($"{setting}.address", "Parameter 'address' should not be empty str");
        }
        Ssl?.Validate($"{setting}.ssl");
    }
}
