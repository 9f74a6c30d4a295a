using System.Security.Cryptography;
using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Loading;

/// <summary>
/// Opens the runtime sessions of the models a configuration declares, as it declares them (the builder's
/// <c>describeModel</c> callback), so registration checks input and output counts against the real model. Owns the
/// sessions until <see cref="TakeLoadedModels"/> hands them to the version; disposing closes whatever it still owns
/// and zeroes its copy of the decryption key.
/// </summary>
internal sealed class ModelSessions : IDisposable
{
    private readonly IModelRuntime _runtime;
    private readonly string _servable;
    private readonly long _version;
    private readonly string _versionDirectory;
    private readonly string? _missingVersionMessage;
    private readonly DeviceType _servableDevice;
    private readonly IReadOnlyList<int> _deviceIds;
    private readonly byte[]? _key;
    private readonly ModelEncryptionMode _mode;
    private readonly Dictionary<Model, IModelSession?[][]> _sessions = [];

    /// <summary><paramref name="missingVersionMessage"/> is non-null when the version folder does not exist: the error a model
    /// declaration raises then.</summary>
    public ModelSessions(IModelRuntime runtime, string servable, long version, string versionDirectory, string? missingVersionMessage, DeviceType servableDevice,
        IReadOnlyList<int> deviceIds, byte[]? key, ModelEncryptionMode mode)
    {
        _runtime = runtime;
        _servable = servable;
        _version = version;
        _versionDirectory = versionDirectory;
        _missingVersionMessage = missingVersionMessage;
        _servableDevice = servableDevice;
        _deviceIds = deviceIds;
        _mode = mode;
        if (key is not null)
        {
            // A private, pinned copy: zeroed in Dispose, never moved by the GC.
            _key = GC.AllocateUninitializedArray<byte>(key.Length, pinned: true);
            key.CopyTo(_key, 0);
        }
    }

    /// <summary>How long opening sessions took, in total.</summary>
    public TimeSpan OpenTime { get; private set; }

    /// <summary>Opens subgraph <paramref name="subgraph"/> of <paramref name="model"/> on every replica and returns its signature.</summary>
    public ModelSignature Describe(Model model, int subgraph)
    {
        if (_missingVersionMessage is not null)
        {
            throw new ServableLoadException(_servable, _version, _missingVersionMessage);
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (device, ids) = Placement(model);
        if (!_sessions.TryGetValue(model, out var replicas))
        {
            replicas = new IModelSession?[ids.Count][];
            for (var r = 0; r < replicas.Length; r++)
            {
                replicas[r] = new IModelSession?[model.Files.Count];
            }
            _sessions.Add(model, replicas);
        }
        var path = Path.GetFullPath(model.Files[subgraph], _versionDirectory);
        if (!File.Exists(path))
        {
            throw LoadFailed(path, $"model file '{path}' not exist");
        }
        byte[]? plain = null;
        try
        {
            if (_key is not null)
            {
                plain = Decrypt(path);
            }
            for (var r = 0; r < ids.Count; r++)
            {
                var options = new ModelSessionOptions
                {
                    IntraOpThreads = model.Options.IntraOpThreads,
                    InterOpThreads = model.Options.InterOpThreads,
                    AllowSpinning = model.Options.AllowSpinning,
                    Device = device,
                    DeviceId = device == DeviceType.Gpu ? ids[r] : 0,
                };
                try
                {
                    replicas[r][subgraph] = plain is null ? _runtime.Open(path, options) : _runtime.Open(plain, options);
                }
                catch (ModelDeviceException ex)
                {
                    // The runtime may offer a GPU provider and still fail to start it (no GPU, missing CUDA libraries).
                    throw new ServableLoadException(_servable, _version,
                        $"The device type 'GPU' of servable name {_servable} is inconsistent with current running environment, "
                        + $"model {model.Key} cannot run on GPU {ids[r]}: {ex.Message}");
                }
                catch (ModelRuntimeException ex)
                {
                    throw LoadFailed(path, ex.Message);
                }
            }
        }
        finally
        {
            if (plain is not null)
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }
        OpenTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var session = replicas[0][subgraph]!;
        return new ModelSignature(Specs(session.Inputs, "input", path), Specs(session.Outputs, "output", path));
    }

    /// <summary>Hands the sessions of <paramref name="declared"/> (in declaration order) to the caller, who owns them from now on.</summary>
    public IReadOnlyList<LoadedModel> TakeLoadedModels(IReadOnlyList<Model> declared)
    {
        var result = new List<LoadedModel>(declared.Count);
        try
        {
            foreach (var model in declared)
            {
                var replicas = _sessions[model];
                _sessions.Remove(model);
                var (device, ids) = Placement(model);
                var sessions = replicas.Select(r => (IReadOnlyList<IModelSession>)[.. r.Select(s => s!)]).ToArray();
                result.Add(new LoadedModel(model, model.Signatures!, sessions, device, ids));
            }
            return result;
        }
        catch
        {
            foreach (var loaded in result)
            {
                loaded.Dispose();
            }
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var replicas in _sessions.Values)
        {
            foreach (var session in replicas.SelectMany(r => r))
            {
                session?.Dispose();
            }
        }
        _sessions.Clear();
        if (_key is not null)
        {
            CryptographicOperations.ZeroMemory(_key);
        }
    }

    private (DeviceType Device, IReadOnlyList<int> Ids) Placement(Model model)
    {
        var device = model.Options.DeviceType == DeviceType.Auto ? _servableDevice : model.Options.DeviceType;
        if (device == DeviceType.Gpu)
        {
            if (_runtime.DeviceUnavailableReason(DeviceType.Gpu) is { } reason)
            {
                throw new ServableLoadException(_servable, _version,
                    $"The device type 'GPU' of servable name {_servable} is inconsistent with current running environment, "
                    + $"model {model.Key} asks for GPU but {reason}");
            }
            return (DeviceType.Gpu, _deviceIds.Count == 0 ? [0] : _deviceIds);
        }
        return (DeviceType.Cpu, [0]);
    }

    private byte[] Decrypt(string path)
    {
        var encrypted = File.ReadAllBytes(path);
        try
        {
            return ModelCrypto.Decrypt(encrypted, _key, _mode);
        }
        catch (CryptographicException ex)
        {
            throw LoadFailed(path, ex.Message);
        }
    }

    private TensorSpec[] Specs(IReadOnlyList<ModelValueInfo> nodes, string kind, string path)
    {
        var specs = new TensorSpec[nodes.Count];
        for (var i = 0; i < specs.Length; i++)
        {
            var node = nodes[i];
            if (!node.IsSupported)
            {
                throw LoadFailed(path, $"model {kind} '{node.Name}' has type {node.TypeName}, which serving does not support");
            }
            specs[i] = node.ToSpec();
        }
        return specs;
    }

    private ServableLoadException LoadFailed(string path, string detail)
        => new(_servable, _version, $"Load model failed, servable '{_servable}' version {_version}, model file '{path}', load error details: {detail}");
}
