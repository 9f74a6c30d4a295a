using System.Text.Json;

namespace SharpServing.Engine.Configuration;

/// <summary>
/// Reads the JSON configuration file into a <see cref="ServingConfiguration"/>. Strict: unknown fields and wrong
/// types are errors naming the setting (<c>servables[0].device_ids</c>). Comments and trailing commas are allowed.
/// </summary>
internal static class ServingConfigurationReader
{
    private static readonly JsonDocumentOptions s_options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static ServingConfiguration ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServingConfigurationException("", $"cannot read the configuration file '{fullPath}': {ex.Message}", ex);
        }
        return Read(text, Path.GetDirectoryName(fullPath)!);
    }

    public static ServingConfiguration Read(string json, string baseDirectory)
    {
        try
        {
            return ReadDocument(json, baseDirectory);
        }
        catch (InvalidOperationException ex)
        {
            // The document reader refuses a name or string it cannot unescape (a lone surrogate such as \ud800).
            throw new ServingConfigurationException("", $"the configuration is not valid JSON: {ex.Message}", ex);
        }
    }

    private static ServingConfiguration ReadDocument(string json, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, s_options);
        }
        catch (JsonException ex)
        {
            throw new ServingConfigurationException("", $"the configuration is not valid JSON: {ex.Message}", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ServingConfigurationException("", $"the configuration must be a JSON object, but actually {Kind(root)}");
            }
            var configuration = new ServingConfiguration();
            // The root first: servable entries default to it, wherever it stands in the file.
            if (root.TryGetProperty("servables_root", out var servablesRoot))
            {
                configuration.ServablesRoot = OptionalPath(servablesRoot, "servables_root", baseDirectory);
            }
            foreach (var property in root.EnumerateObject())
            {
                var value = property.Value;
                var name = property.Name;
                switch (name)
                {
                    case "servables_root":
                        break;
                    case "compile_cache":
                        configuration.CompileCacheDirectory = OptionalPath(value, name, baseDirectory);
                        break;
                    case "use_compile_cache":
                        configuration.UseCompileCache = Bool(value, name);
                        break;
                    case "max_enqueued_requests":
                        Set(name, () => configuration.MaxEnqueuedRequests = Int(value, name));
                        break;
                    case "grpc":
                        configuration.Grpc = Endpoint(value, name, baseDirectory);
                        break;
                    case "rest":
                        configuration.Rest = Endpoint(value, name, baseDirectory);
                        break;
                    case "servables":
                        ReadServables(value, configuration, baseDirectory);
                        break;
                    case "watch":
                        configuration.Watch = Bool(value, name);
                        break;
                    case "watch_debounce_ms":
                        Set(name, () => configuration.WatchDebounce = TimeSpan.FromMilliseconds(Int(value, name)));
                        break;
                    case "rescan_interval_ms":
                        Set(name, () => configuration.RescanInterval = TimeSpan.FromMilliseconds(Int(value, name)));
                        break;
                    case "warm_up":
                        configuration.WarmUp = Bool(value, name);
                        break;
                    case "version_policy":
                        Set(name, () => configuration.VersionPolicy = Reload.VersionPolicy.Parse(String(value, name)));
                        break;
                    case "version_policies":
                        ReadVersionPolicies(value, configuration);
                        break;
                    case "load_timeout_ms":
                        Set(name, () => configuration.LoadTimeout = TimeSpan.FromMilliseconds(Long(value, name)));
                        break;
                    case "lazy_load":
                        configuration.LazyLoad = Bool(value, name);
                        break;
                    case "loaded_memory_budget_mb":
                        Set(name, () => configuration.LoadedMemoryBudgetMb = Long(value, name));
                        break;
                    case "drain_timeout_ms":
                        Set(name, () => configuration.DrainTimeout = TimeSpan.FromMilliseconds(Long(value, name)));
                        break;
                    case "request_timeout_ms":
                        Set(name, () => configuration.RequestTimeout = TimeLimit(Long(value, name), name));
                        break;
                    case "method_timeouts_ms":
                        RequireObject(value, name);
                        foreach (var method in value.EnumerateObject())
                        {
                            configuration.MethodTimeouts[method.Name] = TimeLimit(Long(method.Value, $"{name}.{method.Name}"), $"{name}.{method.Name}");
                        }
                        break;
                    case "isolation":
                        Set(name, () => configuration.Isolation.Mode = IsolationOptions.ParseMode(String(value, name)));
                        break;
                    case "worker_memory_limit_mb":
                        Set(name, () => configuration.Isolation.MemoryLimitMb = Long(value, name));
                        break;
                    case "worker_time_limit_ms":
                        Set(name, () => configuration.Isolation.RequestTimeLimit = TimeSpan.FromMilliseconds(Long(value, name)));
                        break;
                    case "metrics":
                        configuration.Metrics = Bool(value, name);
                        break;
                    case "metrics_address":
                        configuration.MetricsAddress = value.ValueKind == JsonValueKind.Null ? null : String(value, name);
                        break;
                    case "access_log":
                        configuration.AccessLog = Bool(value, name);
                        break;
                    case "otlp_endpoint":
                        configuration.OtlpEndpoint = value.ValueKind == JsonValueKind.Null ? null : OtlpEndpoint(String(value, name), name);
                        break;
                    case "drain_delay_ms":
                        Set(name, () => configuration.DrainDelay = TimeSpan.FromMilliseconds(Long(value, name)));
                        break;
                    case "log_level":
                        Set(name, () => configuration.LogLevel = String(value, name));
                        break;
                    case "admin_address":
                        configuration.Admin.Address = value.ValueKind == JsonValueKind.Null ? null : String(value, name);
                        break;
                    case "admin_token_file":
                        configuration.Admin.TokenFile = OptionalPath(value, name, baseDirectory);
                        break;
                    case "admin_allowed_hosts":
                        if (value.ValueKind != JsonValueKind.Array)
                        {
                            throw new ServingConfigurationException(name, $"should be an array of host names, but actually {Kind(value)}");
                        }
                        foreach (var host in value.EnumerateArray())
                        {
                            configuration.Admin.AllowedHosts.Add(String(host, name));
                        }
                        break;
                    case "admin_ssl":
                        configuration.Admin.Ssl = value.ValueKind == JsonValueKind.Null ? null : Ssl(value, name, baseDirectory);
                        break;
                    case "max_inflight_mb":
                        Set(name, () => configuration.Limits.MaxInflightMb = Int(value, name));
                        break;
                    case "max_connections":
                        Set(name, () => configuration.Limits.MaxConnections = Int(value, name));
                        break;
                    case "http2_max_streams":
                        Set(name, () => configuration.Limits.Http2MaxStreams = Int(value, name));
                        break;
                    case "min_request_body_bytes_per_second":
                        Set(name, () => configuration.Limits.MinRequestBodyBytesPerSecond = Int(value, name));
                        break;
                    case "request_body_timeout_ms":
                        Set(name, () => configuration.Limits.RequestBodyTimeout = TimeSpan.FromMilliseconds(Long(value, name)));
                        break;
                    default:
                        throw Unknown(name);
                }
            }
            configuration.Validate();
            return configuration;
        }
    }

    private static void ReadServables(JsonElement value, ServingConfiguration configuration, string baseDirectory)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ServingConfigurationException("servables", $"should be an array of servable objects, but actually {Kind(value)}");
        }
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var servable = Servable(item, $"servables[{index}]", configuration.ServablesRoot, baseDirectory);
            configuration.Servables.Add(servable);
            if (item.TryGetProperty("isolation", out var isolation))
            {
                var setting = $"servables[{index}].isolation";
                Set(setting, () => configuration.Isolation.Servables[servable.ServableName] = IsolationOptions.ParseMode(String(isolation, setting)));
            }
            index++;
        }
    }

    private static void ReadVersionPolicies(JsonElement value, ServingConfiguration configuration)
    {
        RequireObject(value, "version_policies");
        foreach (var property in value.EnumerateObject())
        {
            var setting = $"version_policies.{property.Name}";
            var text = String(property.Value, setting);
            Set(setting, () => configuration.VersionPolicies[property.Name] = Reload.VersionPolicy.Parse(text));
        }
    }

    private static ServableStartConfig Servable(JsonElement value, string path, string? servablesRoot, string baseDirectory)
    {
        RequireObject(value, path);
        string? name = null;
        string? directory = null;
        foreach (var property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name":
                    name = String(property.Value, $"{path}.name");
                    break;
                case "servable_directory":
                    directory = OptionalPath(property.Value, $"{path}.servable_directory", baseDirectory);
                    break;
                default:
                    break;
            }
        }
        if (name is null)
        {
            throw new ServingConfigurationException($"{path}.name", "the servable name is required");
        }
        directory ??= servablesRoot ?? throw new ServingConfigurationException($"{path}.servable_directory",
            "required when servables_root is not set");
        var config = Set($"{path}.name", () => new ServableStartConfig(directory, name));
        string? decKeyHex = null;
        string? decKeyFile = null;
        foreach (var property in value.EnumerateObject())
        {
            var setting = $"{path}.{property.Name}";
            var item = property.Value;
            switch (property.Name)
            {
                case "name":
                case "servable_directory":
                case "isolation":
                    break;
                case "version":
                    Set(setting, () => config.VersionNumber = Long(item, setting));
                    break;
                case "device_type":
                    Set(setting, () => config.DeviceType = item.ValueKind == JsonValueKind.Null ? null : String(item, setting));
                    break;
                case "device_ids":
                    Set(setting, () => config.DeviceIds = DeviceIds(item));
                    break;
                case "num_parallel_workers":
                    Set(setting, () => config.NumParallelWorkers = Int(item, setting));
                    break;
                case "dec_key":
                    decKeyHex = item.ValueKind == JsonValueKind.Null ? null : String(item, setting);
                    break;
                case "dec_key_file":
                    decKeyFile = OptionalPath(item, setting, baseDirectory);
                    break;
                case "dec_mode":
                    Set(setting, () => config.DecMode = ServableStartConfig.ParseDecMode(String(item, setting)));
                    break;
                default:
                    throw Unknown(setting);
            }
        }
        if (decKeyHex is not null && decKeyFile is not null)
        {
            throw new ServingConfigurationException($"{path}.dec_key", "give dec_key or dec_key_file, not both");
        }
        if (decKeyHex is not null)
        {
            Set($"{path}.dec_key", () => config.DecKey = KeyFromHex(decKeyHex));
        }
        else if (decKeyFile is not null)
        {
            Set($"{path}.dec_key_file", () => config.DecKey = ReadKeyFile(decKeyFile));
        }
        return config;
    }

    /// <summary>A key as hex text: 32, 48 or 64 hex digits (16, 24 or 32 bytes).</summary>
    internal static byte[] KeyFromHex(string text)
    {
        try
        {
            return Convert.FromHexString(text.Trim());
        }
        catch (FormatException)
        {
            // Never echo the key text.
            throw new ArgumentException("Parameter 'dec_key' should be hex digits (32, 48 or 64 of them for a 16, 24 or 32 byte key)");
        }
    }

    /// <summary>A key file: the raw 16, 24 or 32 bytes, or their hex text.</summary>
    internal static byte[] ReadKeyFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the key file '{path}': {ex.Message}");
        }
        if (bytes.Length is 16 or 24 or 32)
        {
            return bytes;
        }
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        return KeyFromHex(text);
    }

    private static EndpointConfiguration Endpoint(JsonElement value, string path, string baseDirectory)
    {
        RequireObject(value, path);
        var endpoint = new EndpointConfiguration();
        foreach (var property in value.EnumerateObject())
        {
            var setting = $"{path}.{property.Name}";
            var item = property.Value;
            switch (property.Name)
            {
                case "address":
                    endpoint.Address = String(item, setting);
                    break;
                case "max_msg_mb_size":
                    Set(setting, () => endpoint.MaxMsgMbSize = Int(item, setting));
                    break;
                case "ssl":
                    endpoint.Ssl = item.ValueKind == JsonValueKind.Null ? null : Ssl(item, setting, baseDirectory);
                    break;
                default:
                    throw Unknown(setting);
            }
        }
        return endpoint;
    }

    private static SslConfiguration Ssl(JsonElement value, string path, string baseDirectory)
    {
        RequireObject(value, path);
        var ssl = new SslConfiguration();
        foreach (var property in value.EnumerateObject())
        {
            var setting = $"{path}.{property.Name}";
            var item = property.Value;
            switch (property.Name)
            {
                case "certificate":
                    ssl.Certificate = OptionalPath(item, setting, baseDirectory) ?? "";
                    break;
                case "private_key":
                    ssl.PrivateKey = OptionalPath(item, setting, baseDirectory) ?? "";
                    break;
                case "custom_ca":
                    ssl.CustomCa = OptionalPath(item, setting, baseDirectory);
                    break;
                case "verify_client":
                    ssl.VerifyClient = Bool(item, setting);
                    break;
                default:
                    throw Unknown(setting);
            }
        }
        return ssl;
    }

    private static int[] DeviceIds(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var single))
        {
            return [single];
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            var ids = new List<int>();
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id))
                {
                    throw new ArgumentException($"Parameter 'device_ids' should be int or tuple/list of int, but actually list of {Kind(item)}");
                }
                ids.Add(id);
            }
            return [.. ids];
        }
        throw new ArgumentException($"Parameter 'device_ids' should be int or tuple/list of int, but actually {Kind(value)}");
    }

    /// <summary>An OTLP collector address: absolute http:// or https://.</summary>
    internal static Uri OtlpEndpoint(string text, string setting)
        => Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ServingConfigurationException(setting, $"should be an http:// or https:// address, but actually '{text}'");

    /// <summary>A time limit in milliseconds: 0 is no limit.</summary>
    private static TimeSpan TimeLimit(long milliseconds, string setting)
        => milliseconds switch
        {
            0 => Timeout.InfiniteTimeSpan,
            < 0 or > 86_400_000 => throw new ServingConfigurationException(setting, $"should be in range [0,86400000] (0: no limit), but actually {milliseconds}"),
            _ => TimeSpan.FromMilliseconds(milliseconds),
        };

    private static void Set(string setting, Action assign) => Set(setting, () =>
    {
        assign();
        return true;
    });

    private static T Set<T>(string setting, Func<T> assign)
    {
        try
        {
            return assign();
        }
        catch (ArgumentException ex)
        {
            throw new ServingConfigurationException(setting, ex.Message, ex);
        }
    }

    private static void RequireObject(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ServingConfigurationException(path, $"should be an object, but actually {Kind(value)}");
        }
    }

    private static string String(JsonElement value, string setting)
        => value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new ServingConfigurationException(setting, $"should be a string, but actually {Kind(value)}");

    private static string? OptionalPath(JsonElement value, string setting, string baseDirectory)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var text = String(value, setting);
        if (text.Length == 0)
        {
            throw new ServingConfigurationException(setting, "should not be an empty path");
        }
        try
        {
            return Path.GetFullPath(text, baseDirectory);
        }
        catch (ArgumentException ex)
        {
            // A NUL character, for one: a path no file system takes.
            throw new ServingConfigurationException(setting, $"is not a valid path: {ex.Message}", ex);
        }
    }

    private static bool Bool(JsonElement value, string setting) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new ServingConfigurationException(setting, $"should be true or false, but actually {Kind(value)}"),
    };

    private static int Int(JsonElement value, string setting)
        => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var result)
            ? result
            : throw new ServingConfigurationException(setting, $"should be an integer, but actually {Describe(value)}");

    private static long Long(JsonElement value, string setting)
        => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var result)
            ? result
            : throw new ServingConfigurationException(setting, $"should be an integer, but actually {Describe(value)}");

    private static ServingConfigurationException Unknown(string setting)
        => new(setting, "unknown setting");

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Describe(JsonElement value)
        => value.ValueKind == JsonValueKind.Number ? value.GetRawText() : Kind(value);
}
