using System.Text.Json;
using SharpServing.Engine.Reload;

namespace SharpServing.Server.Admin.Internal;

/// <summary>The JSON form of servables: names as in the configuration file (snake_case), states in lower case, texts
/// through a rewrite that makes paths relative to the servables root.</summary>
internal static class AdminJson
{
    /// <summary><c>{"name", "version_policy", "versions": [{"version", "state", "error", "methods": [...]}]}</c>.</summary>
    public static void WriteServable(Utf8JsonWriter w, ServableInfo servable, Func<string?, string?> relative)
    {
        w.WriteStartObject();
        w.WriteString("name", servable.Name);
        w.WriteString("version_policy", servable.VersionPolicy);
        w.WriteStartArray("versions");
        foreach (var version in servable.Versions)
        {
            w.WriteStartObject();
            w.WriteNumber("version", version.Version);
            w.WriteString("state", version.State.ToString().ToLowerInvariant());
            w.WriteString("error", relative(version.Error));
            if (version.MemoryBytes is { } memory)
            {
                w.WriteNumber("memory_bytes", memory);
            }
            if (version.LastUsed is { } lastUsed)
            {
                w.WriteString("last_used", lastUsed);
            }
            if (version.UnloadReason is { } unloadReason)
            {
                w.WriteString("unload_reason", unloadReason);
            }
            if (version.Worker is { } worker)
            {
                WriteWorker(w, worker, relative);
            }
            w.WriteStartArray("methods");
            foreach (var method in version.Methods)
            {
                w.WriteStartObject();
                w.WriteString("name", method.Name);
                WriteStrings(w, "inputs", method.Inputs);
                WriteStrings(w, "outputs", method.Outputs);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary><c>"servable": {...}</c>, or <c>"servable": null</c> once the manager forgot it.</summary>
    public static void WriteServableProperty(Utf8JsonWriter w, ServableInfo? servable, Func<string?, string?> relative)
    {
        w.WritePropertyName("servable");
        if (servable is null)
        {
            w.WriteNullValue();
        }
        else
        {
            WriteServable(w, servable, relative);
        }
    }

    public static void WriteNumbers(Utf8JsonWriter w, string name, IEnumerable<long> numbers)
    {
        w.WriteStartArray(name);
        foreach (var number in numbers)
        {
            w.WriteNumberValue(number);
        }
        w.WriteEndArray();
    }

    /// <summary><c>"worker": {"pid", "state", "restarts", "last_exit", "last_exit_at"}</c> of a version isolated in a worker process.</summary>
    private static void WriteWorker(Utf8JsonWriter w, SharpServing.Engine.Isolation.WorkerStatus worker, Func<string?, string?> relative)
    {
        w.WriteStartObject("worker");
        if (worker.Pid is { } pid)
        {
            w.WriteNumber("pid", pid);
        }
        else
        {
            w.WriteNull("pid");
        }
        w.WriteString("state", worker.State);
        w.WriteNumber("restarts", worker.Restarts);
        w.WriteString("last_exit", relative(worker.LastExit));
        if (worker.LastExitAt is { } at)
        {
            w.WriteString("last_exit_at", at);
        }
        else
        {
            w.WriteNull("last_exit_at");
        }
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }
        w.WriteEndArray();
    }
}
