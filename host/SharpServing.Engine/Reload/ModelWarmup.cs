using System.Diagnostics;
using SharpServing.Engine.Loading;

namespace SharpServing.Engine.Reload;

/// <summary>
/// Runs every session of a freshly loaded version once before it takes traffic, so its first requests do not pay for
/// ONNX Runtime's lazy allocations, and a model that cannot run fails the load instead of the first request. The inputs
/// of a model file <c>det.onnx</c> come from the version's <c>warmup/det/</c> folder when it exists (one <c>.npy</c> per
/// input, named by the input's name or its 0-based index), else they are zero-filled from the model's signature with
/// every dynamic dimension as 1. The <c>warmup/</c> folder is looked for in the version folder first, then in the
/// servable folder (shared by its versions). Synchronous and free of configuration code: nothing here touches the load
/// context.
/// </summary>
internal static class ModelWarmup
{
    /// <summary>The folder of a version that holds user-supplied warm-up inputs.</summary>
    public const string FolderName = "warmup";

    /// <summary>Runs each model subgraph of <paramref name="version"/> on every device replica.</summary>
    /// <returns>How long the warm-up took.</returns>
    /// <exception cref="ServableLoadException">A model failed its warm-up; the message names the model file and the reason.</exception>
    public static TimeSpan Run(ServableVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        var started = Stopwatch.GetTimestamp();
        foreach (var loaded in version.Models)
        {
            for (var subgraph = 0; subgraph < loaded.Signatures.Count; subgraph++)
            {
                var file = loaded.Model.Files[subgraph];
                var path = Path.GetFullPath(file, version.Directory);
                var inputs = Inputs(version, loaded.Signatures[subgraph], file, path);
                foreach (var replica in loaded.Sessions)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        var session = replica[subgraph];
                        session.Run(inputs, new Tensor[session.Outputs.Count], cancellationToken);
                    }
                    catch (Exception ex) when (ex is ModelRuntimeException or ArgumentException)
                    {
                        throw Failed(version, path, ex.Message);
                    }
                }
            }
        }
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The warm-up inputs of one model file, in the model's input order.</summary>
    private static Tensor[] Inputs(ServableVersion version, ModelSignature signature, string file, string path)
    {
        var folder = WarmupFolder(version, file);
        var inputs = new Tensor[signature.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var spec = signature.Inputs[i];
            inputs[i] = folder is not null ? FromFile(version, path, folder, spec, i) : Zeros(spec);
        }
        return inputs;
    }

    /// <summary><c>&lt;version&gt;/warmup/&lt;stem&gt;/</c>, else <c>&lt;servable&gt;/warmup/&lt;stem&gt;/</c>, else null.</summary>
    private static string? WarmupFolder(ServableVersion version, string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var own = Path.Combine(version.Directory, FolderName, stem);
        if (Directory.Exists(own))
        {
            return own;
        }
        var servableDirectory = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(version.Directory));
        var shared = servableDirectory is null ? null : Path.Combine(servableDirectory, FolderName, stem);
        return shared is not null && Directory.Exists(shared) ? shared : null;
    }

    private static Tensor FromFile(ServableVersion version, string path, string folder, TensorSpec spec, int index)
    {
        var byName = Path.Combine(folder, spec.Name + ".npy");
        var byIndex = Path.Combine(folder, index.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".npy");
        var file = File.Exists(byName) ? byName : File.Exists(byIndex) ? byIndex : null;
        if (file is null)
        {
            throw Failed(version, path, $"the warm-up folder '{folder}' has no '{spec.Name}.npy' nor '{index}.npy' for input {index} '{spec.Name}'");
        }
        try
        {
            return Npy.Read(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidDataException or NotSupportedException)
        {
            throw Failed(version, path, $"the warm-up file '{file}' cannot be read: {ex.Message}");
        }
    }

    /// <summary>Zeros (empty strings) of the input's shape, a dynamic dimension taken as 1.</summary>
    internal static Tensor Zeros(TensorSpec spec)
    {
        var shape = spec.Shape.Select(d => d < 0 ? 1 : d).ToArray();
        if (spec.DataType is DataType.String or DataType.Bytes)
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var items = Enumerable.Repeat(ReadOnlyMemory<byte>.Empty, checked((int)count)).ToArray();
            return Tensor.FromItems(spec.DataType, shape, items);
        }
        return Tensor.Zeros(spec.DataType, shape);
    }

    private static ServableLoadException Failed(ServableVersion version, string path, string detail)
        => new(version.Name, version.Number,
            $"Warm up model failed, servable '{version.Name}' version {version.Number}, model file '{path}', warm-up error details: {detail}");
}
