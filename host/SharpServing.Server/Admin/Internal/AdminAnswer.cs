using System.Text.Json;
using SharpServing.Engine.Reload;

namespace SharpServing.Server.Admin.Internal;

/// <summary>An admin answer: the HTTP status, the JSON body's writer, and the Allow header of a 405.</summary>
internal sealed record AdminAnswer(int Status, Action<Utf8JsonWriter> Write, string? Allow = null)
{
    /// <summary><c>{"error_msg": message}</c>, with the servable's state when given.</summary>
    public static AdminAnswer Error(int status, string? message, ServableInfo? servable = null, string? allow = null,
        Func<string?, string?>? relative = null)
        => new(status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error_msg", message);
            if (servable is not null)
            {
                AdminJson.WriteServableProperty(w, servable, relative ?? (text => text));
            }
            w.WriteEndObject();
        }, allow);
}
