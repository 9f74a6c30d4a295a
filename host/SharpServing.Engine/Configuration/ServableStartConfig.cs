using System.Diagnostics.CodeAnalysis;

namespace SharpServing.Engine.Configuration;

/// <summary>
/// How one servable starts (MindSpore Serving's <c>ServableStartConfig</c>): where it is, which version, on which
/// device, how many parallel workers, and the model decryption key. Each setter checks its value and throws
/// <see cref="ArgumentException"/> whose message is MindSpore Serving's text for that setting.
/// </summary>
public sealed class ServableStartConfig
{
    private string _servableDirectory = "";
    private string _servableName = "";
    private long _versionNumber;
    private string? _deviceType;
    private IReadOnlyList<int> _deviceIds = [];
    private int _numParallelWorkers;
    private byte[]? _decKey;
    private ModelEncryptionMode _decMode;

    /// <summary>Creates a start configuration for <paramref name="servableName"/> under <paramref name="servableDirectory"/>.</summary>
    public ServableStartConfig(string servableDirectory, string servableName)
    {
        ServableDirectory = servableDirectory;
        ServableName = servableName;
    }

    /// <summary>
    /// The servables root: the folder that holds <c>&lt;servable_name&gt;/</c>. Non-empty. A relative path is resolved against
    /// <see cref="AppContext.BaseDirectory"/> (the host application's folder), not the working directory.
    /// </summary>
    public string ServableDirectory
    {
        get => _servableDirectory;
        set => _servableDirectory = NonEmpty(value, "servable_directory");
    }

    /// <summary>The servable's folder name under <see cref="ServableDirectory"/>. Non-empty, a single folder name.</summary>
    public string ServableName
    {
        get => _servableName;
        set
        {
            var name = NonEmpty(value, "servable_name");
            if (name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
            {
                throw new ArgumentException($"Parameter 'servable_name' should be a folder name, but actually '{name}'");
            }
            _servableName = name;
        }
    }

    /// <summary>The version to load. Default 0: the highest version folder. At least 0.</summary>
    public long VersionNumber
    {
        get => _versionNumber;
        set
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'version_number' should be >= 0, but actually {value}");
            }
            _versionNumber = value;
        }
    }

    /// <summary>
    /// The device: null (the host decides: CPU), <c>CPU</c>, <c>GPU</c> or <c>Ascend</c>, case ignored; stored as
    /// <c>CPU</c>/<c>GPU</c>/<c>Ascend</c>. Default null. GPU needs ONNX Runtime's CUDA provider (checked when the
    /// servable starts); Ascend is never available.
    /// </summary>
    public string? DeviceType
    {
        get => _deviceType;
        set => _deviceType = NormalizeDeviceType(value);
    }

    /// <summary>The device ids (GPU ordinals). Default empty. Each at least 0, no repeats.</summary>
    public IReadOnlyList<int> DeviceIds
    {
        get => _deviceIds;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            var seen = new HashSet<int>();
            foreach (var id in value)
            {
                if (id < 0)
                {
                    throw new ArgumentOutOfRangeException(null, $"The item value '{id}' in parameter 'device_ids' should be >= 0");
                }
                if (!seen.Add(id))
                {
                    throw new ArgumentException($"The item value '{id}' in parameter 'device_ids' is repeated");
                }
            }
            _deviceIds = [.. value];
        }
    }

    /// <summary>Parallel workers (concurrently running C# stages). Default 0: max(device id count, 1) in MindSpore
    /// Serving's terms; here 0 lets the executor use the core count. Range 0..64.</summary>
    public int NumParallelWorkers
    {
        get => _numParallelWorkers;
        set
        {
            if (value is < 0 or > 64)
            {
                throw new ArgumentOutOfRangeException(null, "Parameter 'num_parallel_workers' should be in range [0,64]");
            }
            _numParallelWorkers = value;
        }
    }

    /// <summary>
    /// The model decryption key: null (models are plain) or 16, 24 or 32 bytes (AES-128/192/256). Default null. The array is
    /// kept as given (a reload needs it); each load works on its own copy and zeroes it. Never logged.
    /// </summary>
    [SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "A key is bytes the owner may zero.")]
    public byte[]? DecKey
    {
        get => _decKey;
        set
        {
            if (value is not null && value.Length is not (16 or 24 or 32))
            {
                throw new ArgumentException($"Parameter 'dec_key' should be 16, 24 or 32 bytes, but actually {value.Length} bytes");
            }
            _decKey = value;
        }
    }

    /// <summary>The cipher of the encrypted models. Default <see cref="ModelEncryptionMode.AesGcm"/>.</summary>
    public ModelEncryptionMode DecMode
    {
        get => _decMode;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(null, "Parameter 'dec_mode' should be 'AES-GCM' or 'AES-CBC'");
            }
            _decMode = value;
        }
    }

    /// <summary>The servables root as an absolute path (a relative one resolved against <see cref="AppContext.BaseDirectory"/>).</summary>
    public string ResolvedServableDirectory => Path.GetFullPath(ServableDirectory, AppContext.BaseDirectory);

    /// <summary>Parses a <c>dec_mode</c> text: <c>AES-GCM</c> or <c>AES-CBC</c>, case ignored.</summary>
    /// <exception cref="ArgumentException">Any other text.</exception>
    public static ModelEncryptionMode ParseDecMode(string? text) => text?.ToUpperInvariant() switch
    {
        "AES-GCM" => ModelEncryptionMode.AesGcm,
        "AES-CBC" => ModelEncryptionMode.AesCbc,
        _ => throw new ArgumentException($"Parameter 'dec_mode' should be 'AES-GCM' or 'AES-CBC', but actually '{text}'"),
    };

    /// <summary>The <c>dec_mode</c> text of <paramref name="mode"/>.</summary>
    public static string FormatDecMode(ModelEncryptionMode mode) => mode == ModelEncryptionMode.AesCbc ? "AES-CBC" : "AES-GCM";

    /// <summary>A copy with the same settings (the key array is shared, not copied).</summary>
    public ServableStartConfig Clone() => (ServableStartConfig)MemberwiseClone();

    /// <inheritdoc />
    public override string ToString()
        => $"{ServableName} version {VersionNumber} in '{ServableDirectory}', device {DeviceType ?? "None"} [{string.Join(", ", DeviceIds)}], "
            + $"workers {NumParallelWorkers}{(DecKey is null ? "" : $", encrypted models ({FormatDecMode(DecMode)})")}";

    private static string NonEmpty(string? value, string name)
        => string.IsNullOrEmpty(value) ? throw new ArgumentException($"Parameter '{name}' should not be empty str") : value;

    private static string? NormalizeDeviceType(string? value)
    {
        if (value is null)
        {
            return null;
        }
        return value.ToUpperInvariant() switch
        {
            "CPU" => "CPU",
            "GPU" => "GPU",
            "ASCEND" => "Ascend",
            _ => throw new ArgumentException($"Unsupported device type '{value}', only support 'Ascend', 'GPU', 'CPU' and None, case ignored"),
        };
    }
}
