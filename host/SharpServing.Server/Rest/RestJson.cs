using System.IO.Pipelines;
using SharpServing.Engine;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Rest;

/// <summary>
/// The RESTful API's JSON forms for other tools (the command line's <c>infer</c>): parse a request body into instances
/// with exactly the server's typing rules, and render a reply exactly as the server does.
/// </summary>
public static class RestJson
{
    /// <summary>Parses a request body (<c>{"instances": ...}</c>) into instances of tensors.</summary>
    /// <exception cref="FormatException">The body breaks a rule; the message is the server's error text.</exception>
    public static IReadOnlyList<IReadOnlyDictionary<string, Tensor>> ParseInstances(ReadOnlyMemory<byte> body)
    {
        var result = RestRequestParser.Parse(body);
        if (result.IllegalJsonDetail is { } detail)
        {
            throw new FormatException("Illegal JSON format." + detail);
        }
        if (result.Error is { } error)
        {
            throw new FormatException(error);
        }
        var instances = new List<IReadOnlyDictionary<string, Tensor>>(result.Instances!.Count);
        foreach (var instance in result.Instances!)
        {
            var tensors = new Dictionary<string, Tensor>(instance.Count, StringComparer.Ordinal);
            foreach (var (name, input) in instance)
            {
                tensors[name] = input.Tensor ?? throw new FormatException($"Instances input {name} check failed, detail: {input.InvalidDetail}");
            }
            instances.Add(tensors);
        }
        return instances;
    }

    /// <summary>Writes <paramref name="reply"/> as the RESTful server would send it.</summary>
    public static async Task WriteReplyAsync(Stream output, InferReply reply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(reply);
        var writer = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await RestReplyWriter.WriteAsync(writer, reply, cancellationToken);
        await writer.CompleteAsync();
    }
}
