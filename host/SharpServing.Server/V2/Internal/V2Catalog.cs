using System.Globalization;
using SharpServing.Engine.Repository;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// The fixed mapping of models to servables: each method is the model <c>&lt;servable&gt;.&lt;method&gt;</c>, and a
/// servable with exactly one method is also the model <c>&lt;servable&gt;</c>. A version is a loaded version number as a
/// decimal string; none means the newest loaded.
/// </summary>
internal sealed class V2Catalog(ServableManager servables)
{
    public const string Platform = "sharpserving";

    public ServableManager Servables => servables;

    /// <summary>Resolves a model name and version; throws <see cref="V2Exception"/> (404) with MindSpore Serving's texts.</summary>
    public V2Model Resolve(string name, string? version)
    {
        var number = ParseVersion(name, version);
        // A servable's own name first (it may hold dots), then <servable>.<method> split at the last dot.
        if (servables.TryGetVersion(name, number, out var whole) && whole.Methods.Count == 1)
        {
            return new V2Model(name, whole, whole.Methods.Values.First(), number);
        }
        var dot = name.LastIndexOf('.');
        if (whole is null && dot > 0 && dot < name.Length - 1)
        {
            var servable = name[..dot];
            var method = name[(dot + 1)..];
            if (servables.TryGetVersion(servable, number, out var split))
            {
                return split.Methods.TryGetValue(method, out var definition)
                    ? new V2Model(name, split, definition, number)
                    : throw V2Errors.MethodNotAvailable(servable, method, number);
            }
            if (!servables.Contains(name))
            {
                throw V2Errors.ServableNotAvailable(servable, method, number);
            }
        }
        throw whole is null ? V2Errors.ServableNotAvailable(name, "", number) : V2Errors.MethodNotAvailable(name, "", number);
    }

    /// <summary>Whether the model (and version) resolves now; unknown names are not ready rather than errors.</summary>
    public bool IsReady(string name, string? version)
    {
        try
        {
            var model = Resolve(name, version);
            return model.Version.Worker?.IsServing ?? true;
        }
        catch (V2Exception)
        {
            return false;
        }
    }

    public V2ModelMetadata Metadata(V2Model model)
    {
        var method = model.Method;
        var inputs = new V2TensorMetadata[method.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = V2Signatures.Input(model.Version, method, i);
        }
        var outputs = new V2TensorMetadata[method.Outputs.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = V2Signatures.Output(model.Version, method, i);
        }
        return new V2ModelMetadata(model.Name, Versions(model.Servable), Platform, inputs, outputs);
    }

    /// <summary>The loaded version numbers of <paramref name="servable"/>, ascending, as strings.</summary>
    public IReadOnlyList<string> Versions(string servable)
        => [.. servables.Versions.Where(v => v.Name == servable).Select(v => v.Number.ToString(CultureInfo.InvariantCulture))];

    private static ulong ParseVersion(string name, string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return 0;
        }
        if (version.Length > 19 || !version.All(char.IsAsciiDigit)
            || !ulong.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number == 0)
        {
            throw V2Errors.BadVersion(name, version);
        }
        return number;
    }
}
