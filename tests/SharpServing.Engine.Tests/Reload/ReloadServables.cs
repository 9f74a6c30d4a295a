using System.Globalization;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Reload;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Execution;
using SharpServing.Engine.Tests.Loading;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Reload;

/// <summary>
/// A temporary servables root for reload tests, and the servable they change: <c>add</c>, whose <c>add_common</c> answers
/// x1 + x2 + (version × 100 + edit), so every reply tells which version and which script edit served it.
/// </summary>
internal sealed class ReloadServables : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempServables _temp = new();

    public string Root => _temp.Root;

    public TempServables Temp => _temp;

    /// <summary>The add script whose answers are offset by <c>Version * 100 + edit</c>.</summary>
    public static string Script(int edit) => $$"""
        var model = DeclareModel("tensor_add.onnx", withBatchDim: false);
        var offset = (float)(Version * 100 + {{edit}});
        RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(Shift, AddStage(model, x1, x2)[0]));
        Tensor Shift(Tensor y) => Tensor.Create(y.AsSpan<float>().ToArray().Select(v => v + offset).ToArray(), 2, 2);
        """;

    /// <summary>Writes the script of <paramref name="edit"/> in place, as an editor saves it.</summary>
    public void WriteScript(string name, int edit) => _temp.WriteScript(name, Script(edit));

    /// <summary>Writes <paramref name="text"/> as the servable's script, in place.</summary>
    public void WriteScriptText(string name, string text) => _temp.WriteScript(name, text);

    /// <summary>Copies a version in the safe way: into <c>.N.tmp</c> (ignored), then one rename to <c>N</c>.</summary>
    public void AddVersion(string name, long version)
    {
        var servable = _temp.ServableDirectory(name);
        var number = version.ToString(CultureInfo.InvariantCulture);
        var temporary = Path.Combine(servable, $".{number}.tmp");
        Directory.CreateDirectory(temporary);
        File.WriteAllBytes(Path.Combine(temporary, "tensor_add.onnx"), Fixtures.TensorAdd());
        Directory.Move(temporary, Path.Combine(servable, number));
    }

    public void RemoveVersion(string name, long version)
        => Directory.Delete(Path.Combine(_temp.ServableDirectory(name), version.ToString(CultureInfo.InvariantCulture)), recursive: true);

    /// <summary>The add servable with its script of <paramref name="edit"/> and the given versions.</summary>
    public void WriteAdd(string name, int edit, params long[] versions)
    {
        WriteScript(name, edit);
        foreach (var version in versions)
        {
            AddVersion(name, version);
        }
    }

    /// <summary>Serve-all configuration of this root with watching on and the given clock settings.</summary>
    public ServingConfiguration Configuration(VersionPolicy? policy = null, bool watch = true)
        => new()
        {
            ServablesRoot = Root,
            Watch = watch,
            WatchDebounce = TimeSpan.FromMilliseconds(200),
            VersionPolicy = policy ?? VersionPolicy.Default,
        };

    /// <summary>Calls add_common of <paramref name="servable"/> and returns the offset its reply carries.</summary>
    public static async Task<float> OffsetAsync(IServableCatalog catalog, string servable = "add", ulong version = 0)
    {
        var reply = await Predict.AddAsync(catalog, servable, version);
        return Predict.Output(reply)[0] - 11f;
    }

    /// <summary>Moves <paramref name="clock"/> on by the quiet period until <paramref name="condition"/> holds: file events
    /// may keep arriving for a moment after a change, and each one restarts the quiet period.</summary>
    public static async Task AdvanceUntilAsync(ManualTimeProvider clock, TimeSpan step, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            clock.Advance(step);
            await Task.Delay(20);
        }
    }

    public static ServableVersionStatus StatusOf(ServableManager manager, string servable, long version)
        => Assert.Single(manager.GetStatus(), s => s.Servable == servable && s.Version == version);

    public void Dispose() => _temp.Dispose();
}
