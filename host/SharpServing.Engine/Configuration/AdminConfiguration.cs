namespace SharpServing.Engine.Configuration;

/// <summary>
/// Where the control API (<c>/v1/servables...</c>) is served and who may call it (docs/security.md). It is never on the
/// public inference listeners unless <see cref="Address"/> says <c>public</c>.
/// </summary>
public sealed class AdminConfiguration
{
    /// <summary>The <see cref="Address"/> that serves the control API on the RESTful listener (still behind the token).</summary>
    public const string Public = "public";

    /// <summary>The environment variable a bearer token is read from when no <see cref="TokenFile"/> is given.</summary>
    public const string TokenEnvironmentVariable = "SHARPSERVING_ADMIN_TOKEN";

    /// <summary>
    /// The admin listener: <c>ip:port</c> or <c>unix:path</c>; <see cref="Public"/> for the RESTful listener; null
    /// (default): the control API is not served.
    /// </summary>
    public string? Address { get; set; }

    /// <summary>A file whose content (surrounding white space trimmed) is the bearer token. Default null: the token comes
    /// from <see cref="TokenEnvironmentVariable"/>, if set.</summary>
    public string? TokenFile { get; set; }

    /// <summary>Host header values (without port) accepted besides the loopback names and the listener's own address.
    /// Default empty.</summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>TLS of the admin listener; null: plaintext. Default null.</summary>
    public SslConfiguration? Ssl { get; set; }

    /// <summary>The bearer token: the <see cref="TokenFile"/>'s content, else <see cref="TokenEnvironmentVariable"/>, else
    /// null (no token).</summary>
    /// <exception cref="ServingConfigurationException">The file cannot be read or holds no token.</exception>
    public string? ReadToken()
    {
        if (TokenFile is { } file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ServingConfigurationException("admin_token_file", $"cannot read the token file '{file}': {ex.Message}", ex);
            }
            text = text.Trim();
            return text.Length > 0 ? text : throw new ServingConfigurationException("admin_token_file", $"the token file '{file}' is empty");
        }
        var variable = Environment.GetEnvironmentVariable(TokenEnvironmentVariable)?.Trim();
        return string.IsNullOrEmpty(variable) ? null : variable;
    }

    internal void Validate(string setting)
    {
        if (Address is null)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(Address))
        {
            throw new ServingConfigurationException($"{setting}_address", "Parameter 'address' should not be empty str");
        }
        foreach (var host in AllowedHosts)
        {
            if (string.IsNullOrWhiteSpace(host))
            {
                throw new ServingConfigurationException($"{setting}_allowed_hosts", "a host name should not be empty");
            }
        }
        Ssl?.Validate($"{setting}_ssl");
    }
}
